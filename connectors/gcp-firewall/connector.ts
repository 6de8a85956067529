/** The GCP VPC firewall connector: owned firewall rules in a priority band on one network per target. */

import type { compute_v1 } from '@googleapis/compute';
import {
  type CheckResult,
  type Connector,
  type ConnectorContext,
  ConnectorError,
  type ConnectorLimits,
  type NormalizedRule,
  type OperationResult,
  type RuleChange,
} from '../../src/connectors/types.ts';
import { adoptFirewall, adoptionProblems } from './adopt.ts';
import { applyChange } from './apply.ts';
import { createComputeClient, credentialsFor } from './client.ts';
import { createStorageClient, gcsLogObjects } from './flow-log-objects.ts';
import type { GcpFirewallConfig, GcpTarget } from './config.ts';
import { fromFirewall, networkNameOf } from './mapping.ts';
import { type CallRecord, type GcpCalls, read } from './operations.ts';
import { quarantineHost, releaseHost } from './quarantine.ts';
import { validateRule } from './validate.ts';

/** GCP pages lists at 500 at most. */
const PAGE_SIZE = 500;

export interface GcpConnectorOptions {
  /** Request ids and name suffixes; tests may inject a sequence. */
  newRequestId?: () => string;
  /** A prebuilt client (defaults to one built from the config). */
  compute?: compute_v1.Compute;
}

export function createGcpConnector(
  id: string,
  config: GcpFirewallConfig,
  ctx: ConnectorContext,
  options: GcpConnectorOptions = {},
): Connector {
  const compute = options.compute ?? createComputeClient(config, ctx);
  const gc: GcpCalls = { compute, project: config.project, ctx };
  if (options.newRequestId) gc.newRequestId = options.newRequestId;
  const prefix = config.namePrefix;

  const targetOf = (targetId: string): GcpTarget => {
    const target = config.targets.find((t) => t.id === targetId);
    if (!target) {
      throw new ConnectorError({
        kind: 'validation',
        code: 'UNKNOWN_TARGET',
        message: `connector ${id} has no target "${targetId}" (known: ${config.targets.map((t) => t.id).join(', ')})`,
        retryable: false,
      });
    }
    return target;
  };

  return {
    type: 'gcp-firewall',
    id,
    targets: () => config.targets.map((t) => t.id),

    limits(targetId): ConnectorLimits {
      const target = targetOf(targetId);
      return {
        supportsDeny: true,
        supportsIpv6: target.ipv6,
        maxRulesPerDirection: target.maxRulesPerDirection,
        maxPrefixesPerRule: target.maxSourceRangesPerRule,
        maxPrefixesPerTarget: Number.POSITIVE_INFINITY,
        priorityBand: { ...target.priorityBand },
        mixesAddressFamilies: false,
      };
    },

    validate(targetId, rule): string[] {
      const target = config.targets.find((t) => t.id === targetId);
      if (!target) return [`unknown target "${targetId}"`];
      return validateRule(target, prefix, rule);
    },

    async list(targetId): Promise<NormalizedRule[]> {
      const target = targetOf(targetId);
      const rules: NormalizedRule[] = [];
      let pageToken: string | undefined;
      do {
        const token = pageToken;
        const page = await read(gc, 'compute.firewalls.list', [], () =>
          compute.firewalls.list({
            project: config.project,
            filter: `network eq ".*/global/networks/${target.network}"`,
            maxResults: PAGE_SIZE,
            ...(token ? { pageToken: token } : {}),
          }),
        );
        if (!page.ok) throw new ConnectorError(page.error);
        for (const firewall of page.value.items ?? []) {
          // The filter is a server-side regex; the exact network is checked here as well.
          if (networkNameOf(firewall.network) === target.network) rules.push(...fromFirewall(firewall, prefix));
        }
        pageToken = page.value.nextPageToken ?? undefined;
      } while (pageToken);
      return rules;
    },

    async apply(targetId, changes: RuleChange[]): Promise<OperationResult[]> {
      const target = targetOf(targetId);
      const results: OperationResult[] = [];
      // One change at a time: each waits for its Operation, and a throttled project is not hammered.
      for (const change of changes) results.push(await applyChange({ gc, target, prefix }, change));
      return results;
    },

    /** Firewall log entries exported to Cloud Storage by a Logging sink (gs://bucket/prefix). */
    listLogObjects(location) {
      const client = createStorageClient(credentialsFor(config, ctx, ['https://www.googleapis.com/auth/devstorage.read_only']) as never);
      return gcsLogObjects(client, location);
    },

    adoptionProblems(targetId, rule): string[] {
      targetOf(targetId);
      return adoptionProblems(rule, prefix);
    },

    adopt(targetId, rule, intentIds): Promise<OperationResult> {
      targetOf(targetId);
      return adoptFirewall(gc, prefix, rule, intentIds);
    },

    async check(targetId): Promise<CheckResult> {
      const target = targetOf(targetId);
      const checks: CheckResult['checks'] = [];
      const calls: CallRecord[] = [];
      const network = await read(gc, 'compute.networks.get', calls, () =>
        compute.networks.get({ project: config.project, network: target.network }),
      );
      checks.push({
        name: `network ${target.network} exists (compute.networks.get)`,
        ok: network.ok,
        ...(network.ok ? {} : { detail: `${network.error.code}: ${network.error.message}` }),
      });
      const list = await read(gc, 'compute.firewalls.list', calls, () =>
        compute.firewalls.list({ project: config.project, maxResults: 1 }),
      );
      checks.push({
        name: 'firewall rules can be listed (compute.firewalls.list)',
        ok: list.ok,
        ...(list.ok ? {} : { detail: `${list.error.code}: ${list.error.message}` }),
      });
      if (target.zone) {
        const zone = target.zone;
        const zoneCheck = await read(gc, 'compute.zones.get', calls, () =>
          compute.zones.get({ project: config.project, zone }),
        );
        checks.push({
          name: `quarantine zone ${zone} exists (compute.zones.get)`,
          ok: zoneCheck.ok,
          ...(zoneCheck.ok ? {} : { detail: `${zoneCheck.error.code}: ${zoneCheck.error.message}` }),
        });
      } else {
        checks.push({ name: 'quarantine zone configured', ok: true, detail: 'no zone: quarantine is not available on this target' });
      }
      return { ok: checks.every((c) => c.ok), checks };
    },

    quarantine: async (targetId, host) => quarantineHost({ gc, target: targetOf(targetId), prefix }, host),
    release: async (targetId, host, previous) => releaseHost({ gc, target: targetOf(targetId), prefix }, host, previous),
  };
}
