import type { Connector, ConnectorContext, NormalizedRule, QuarantineResult } from '../../src/connectors/types.ts';
import { ConnectorError } from '../../src/connectors/types.ts';
import { adoptionProblems, adoptRule } from './adopt.ts';
import { applyChanges } from './apply.ts';
import type { ArmContext } from './arm-calls.ts';
import { checkTarget } from './check.ts';
import { buildCredential, createArmClient } from './client.ts';
import { blobLogObjects } from './flow-log-objects.ts';
import type { AzureNsgConfig, AzureNsgTarget } from './config.ts';
import { fromSecurityRule } from './mapping.ts';
import { nsgApi } from './nsg-api.ts';
import { NsgWriteQueue } from './nsg-queue.ts';
import { quarantineHost, releaseHost } from './quarantine.ts';
import { targetLimits, validateRule } from './validate.ts';

/** Test seam: a fixed jitter source so backoff is deterministic. */
export interface AzureConnectorOptions {
  random?: () => number;
}

export function createAzureNsgConnector(
  id: string,
  config: AzureNsgConfig,
  ctx: ConnectorContext,
  options: AzureConnectorOptions = {},
): Connector {
  const arm: ArmContext = {
    client: createArmClient(config, ctx),
    clock: ctx.clock,
    retry: ctx.retry,
    pollIntervalMs: config.pollIntervalMs,
    ...(options.random ? { random: options.random } : {}),
  };
  const queue = new NsgWriteQueue();
  const byId = new Map(config.targets.map((t) => [t.id, t]));
  const namePrefix = config.namePrefix;

  const targetOf = (targetId: string): AzureNsgTarget => {
    const target = byId.get(targetId);
    if (!target) {
      throw new ConnectorError({ kind: 'validation', code: 'UnknownTarget', retryable: false, message: `connector ${id} has no target "${targetId}"` });
    }
    return target;
  };
  const nsgKey = (t: AzureNsgTarget) => `${config.subscriptionId}/${t.resourceGroup}/${t.nsgName}`.toLowerCase();
  const apiFor = (t: AzureNsgTarget) => nsgApi(arm, t);

  return {
    type: 'azure-nsg',
    id,
    targets: () => [...byId.keys()],
    limits: (targetId) => targetLimits(targetOf(targetId)),
    validate: (targetId: string, rule: NormalizedRule) => validateRule(targetOf(targetId), rule, namePrefix),
    async list(targetId) {
      const target = targetOf(targetId);
      const { outcome } = await apiFor(target).listRules();
      if (!outcome.ok) throw new ConnectorError(outcome.error);
      return outcome.value.map((rule) => fromSecurityRule(rule, namePrefix));
    },
    apply(targetId, changes) {
      const target = targetOf(targetId);
      return queue.run(nsgKey(target), () => applyChanges({ api: apiFor(target), target, namePrefix }, changes));
    },
    /** Flow logs Network Watcher wrote to a storage container (https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix). */
    listLogObjects: (location) => blobLogObjects(buildCredential(config, ctx), location),
    adoptionProblems: (targetId, rule) => {
      targetOf(targetId);
      return adoptionProblems(rule, namePrefix);
    },
    adopt(targetId, rule, intentIds) {
      const target = targetOf(targetId);
      return queue.run(nsgKey(target), () => adoptRule(apiFor(target), rule, intentIds, namePrefix));
    },
    check: (targetId) => {
      const target = targetOf(targetId);
      return checkTarget(apiFor(target), target, namePrefix);
    },
    quarantine(targetId, host): Promise<QuarantineResult> {
      const target = targetOf(targetId);
      return queue.run(nsgKey(target), () => quarantineHost({ api: apiFor(target), target, namePrefix }, host));
    },
    release(targetId, host, previous): Promise<QuarantineResult> {
      const target = targetOf(targetId);
      return queue.run(nsgKey(target), () => releaseHost({ api: apiFor(target), target, namePrefix }, host, previous));
    },
  } satisfies Connector;
}
