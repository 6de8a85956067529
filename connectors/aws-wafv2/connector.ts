/** The AWS WAF connector: blocks as addresses in IP sets it owns, referenced by one rule in the operator's web ACL. */

import type {
  CheckResult,
  Connector,
  ConnectorContext,
  ConnectorLimits,
  NormalizedRule,
  OperationResult,
  QuarantineResult,
  RuleChange,
} from '../../src/connectors/types.ts';
import { ConnectorError } from '../../src/connectors/types.ts';
import { applyChanges } from './apply.ts';
import { type CallRecord, createWafClient, WafCalls } from './calls.ts';
import { checkTarget } from './check.ts';
import type { AwsWafv2Config, WafTarget } from './config.ts';
import { validateRule } from './validate.ts';
import { listRules, readView } from './view.ts';
import { type AclRef, findWebAcl, missingWebAcl } from './web-acl.ts';

export function createWafConnector(id: string, config: AwsWafv2Config, ctx: ConnectorContext): Connector {
  const calls = new WafCalls(createWafClient(config, ctx), ctx);
  const marker = config.ownerMarker;
  /** Web ACL ids by target: stable for the life of the ACL, so resolved once (again if it disappears). */
  const aclIds = new Map<string, AclRef>();

  const targetOf = (targetId: string): WafTarget => {
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

  async function aclOf(target: WafTarget, log: CallRecord[]): Promise<AclRef> {
    const known = aclIds.get(target.id);
    if (known) return known;
    const found = await findWebAcl(calls, target, log);
    if (!found?.Id) throw missingWebAcl(target, config.region);
    const ref: AclRef = { scope: target.scope, name: target.webAcl, id: found.Id };
    aclIds.set(target.id, ref);
    return ref;
  }

  /** Reads the target; a web ACL that vanished since its id was cached is looked up once more. */
  async function view(target: WafTarget, log: CallRecord[]) {
    const acl = await aclOf(target, log);
    try {
      return { acl, view: await readView(calls, acl, marker, target, log) };
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.info.code !== 'WAFNonexistentItemException') throw error;
      aclIds.delete(target.id);
      const again = await aclOf(target, log);
      return { acl: again, view: await readView(calls, again, marker, target, log) };
    }
  }

  const unsupported = (what: string): QuarantineResult => ({
    ok: false,
    calls: [],
    error: {
      kind: 'validation',
      code: 'QUARANTINE_UNSUPPORTED',
      message: `connector ${id} (aws-wafv2) cannot ${what} a host: a web ACL filters requests by source address and has no notion of hosts; quarantine on the host's network connector (aws-ec2, azure-nsg, gcp-firewall)`,
      retryable: false,
    },
  });

  return {
    type: 'aws-wafv2',
    id,
    // Blocks only: allow and quarantine playbooks aimed at this connector are refused at start.
    capabilities: { allows: false, quarantine: false },
    targets: () => config.targets.map((t) => t.id),

    limits(targetId): ConnectorLimits {
      const target = targetOf(targetId);
      return {
        supportsDeny: true,
        supportsIpv6: target.ipv6,
        // One rule per IP set; IPv4 and IPv6 sets share the slots.
        maxRulesPerDirection: target.maxIpSets,
        maxPrefixesPerRule: target.maxAddressesPerSet,
        maxPrefixesPerTarget: Number.POSITIVE_INFINITY,
        priorityBand: { from: 1, to: target.maxIpSets },
        mixesAddressFamilies: false,
        container: `web ACL ${target.webAcl} (${target.scope})`,
      };
    },

    validate(targetId, rule: NormalizedRule): string[] {
      const target = config.targets.find((t) => t.id === targetId);
      if (!target) return [`unknown target "${targetId}"`];
      return validateRule(target, rule);
    },

    async list(targetId): Promise<NormalizedRule[]> {
      const target = targetOf(targetId);
      const log: CallRecord[] = [];
      const read = await view(target, log);
      return listRules(calls, read.view, read.acl, marker, target, log);
    },

    async apply(targetId, changes: RuleChange[]): Promise<OperationResult[]> {
      const target = targetOf(targetId);
      if (changes.length === 0) return [];
      const log: CallRecord[] = [];
      let read: Awaited<ReturnType<typeof view>>;
      try {
        read = await view(target, log);
      } catch (error) {
        const info = error instanceof ConnectorError ? error.info : { kind: 'unknown' as const, code: 'Unknown', message: String(error), retryable: false };
        return changes.map((change) => ({ change, ok: false, calls: log, error: info }));
      }
      const results = await applyChanges({ calls, acl: read.acl, view: read.view, connectorId: id, marker, target }, changes);
      // The reads every change relied on are reported with the first one.
      if (results[0]) results[0].calls.unshift(...log);
      return results;
    },

    check: async (targetId): Promise<CheckResult> => checkTarget({ calls, connectorId: id, marker, target: targetOf(targetId), region: config.region }),

    quarantine: async () => unsupported('quarantine'),
    release: async () => unsupported('release'),
  };
}
