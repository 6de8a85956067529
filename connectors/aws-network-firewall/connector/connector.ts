import type {
  CheckResult,
  Connector,
  ConnectorContext,
  ConnectorLimits,
  NormalizedRule,
  OperationResult,
  QuarantineResult,
  RuleChange,
} from '../../../src/connectors/types.ts';
import { ConnectorError } from '../../../src/connectors/types.ts';
import type { AwsNetworkFirewallConfig, NfwTarget } from '../config.ts';
import { applyBatch } from './apply.ts';
import { type CallRecord, createNfwClient, errorInfo, NfwCalls } from './calls.ts';
import { checkTarget } from './check.ts';
import { inBand, ruleCapacity, statelessRuleToNormalized } from './mapping.ts';
import type { ChangeOutcome, IndexedChange } from './outcome.ts';
import { describeRuleGroup, statelessRulesOf } from './rule-group.ts';
import { validateRule } from './validate.ts';

/** The largest capacity a stateless rule group can have (Network Firewall quotas); the room assumed before a first read. */
export const STATELESS_MAX_CAPACITY = 30_000;

/** What the last read of a target's rule group said about its room. */
interface Room {
  name: string;
  capacity: number;
  /** Capacity units used by rules portcullis does not own. */
  foreign: number;
}

/**
 * Blocks (and opens) as stateless rules of a rule group portcullis owns, within the group's capacity
 * units; each change set is one DescribeRuleGroup + UpdateRuleGroup with its UpdateToken.
 */
export class AwsNetworkFirewallConnector implements Connector {
  readonly type = 'aws-network-firewall' as const;
  /** Opens are `aws:pass` rules; a rule group has no hosts, so quarantine playbooks aimed here are refused at start. */
  readonly capabilities = { allows: true, quarantine: false };
  readonly id: string;
  private readonly config: AwsNetworkFirewallConfig;
  private readonly calls: NfwCalls;
  private readonly rooms = new Map<string, Room>();

  constructor(id: string, config: AwsNetworkFirewallConfig, ctx: ConnectorContext) {
    this.id = id;
    this.config = config;
    this.calls = new NfwCalls(createNfwClient(config, ctx), ctx);
  }

  private target(targetId: string): NfwTarget {
    const target = this.config.targets.find((t) => t.id === targetId);
    if (!target) {
      throw new ConnectorError(errorInfo('not_found', 'UnknownTarget', `connector "${this.id}" has no target "${targetId}" (known: ${this.targets().join(', ')})`));
    }
    return target;
  }

  targets(): string[] {
    return this.config.targets.map((t) => t.id);
  }

  limits(targetId: string, _placement?: NormalizedRule['placement']): ConnectorLimits {
    const target = this.target(targetId);
    const { from, to } = target.priorityBand;
    const room = this.rooms.get(targetId);
    // Each address in a rule costs one capacity unit (times its port ranges): the group's room is a prefix budget.
    const units = room ? Math.max(0, room.capacity - room.foreign) : STATELESS_MAX_CAPACITY;
    return {
      supportsDeny: true,
      supportsIpv6: target.ipv6,
      // Priorities are unique across directions in a group: the band is shared by ingress and egress rules.
      maxRulesPerDirection: to - from + 1,
      maxPrefixesPerRule: Math.max(1, units),
      maxPrefixesPerTarget: units,
      priorityBand: { from, to },
      mixesAddressFamilies: false,
      container: `Network Firewall rule group ${room?.name ?? target.ruleGroup}${room ? ` (${room.capacity} capacity units, ${room.foreign} used by rules portcullis does not own)` : ''}`,
    };
  }

  validate(targetId: string, rule: NormalizedRule): string[] {
    const target = this.config.targets.find((t) => t.id === targetId);
    if (!target) return [`unknown target "${targetId}" on connector "${this.id}"`];
    return validateRule(target, rule);
  }

  async list(targetId: string): Promise<NormalizedRule[]> {
    const target = this.target(targetId);
    const log: CallRecord[] = [];
    const out = await describeRuleGroup(this.calls, target, log);
    const rules = statelessRulesOf(out);
    this.rooms.set(targetId, {
      name: out.RuleGroupResponse?.RuleGroupName ?? target.ruleGroup,
      capacity: out.RuleGroupResponse?.Capacity ?? 0,
      foreign: rules.filter((r) => !inBand(target, r.Priority ?? 0)).reduce((n, r) => n + ruleCapacity(r), 0),
    });
    return rules.map((r) => statelessRuleToNormalized(target, this.config.ownerMarker, r));
  }

  async apply(targetId: string, changes: RuleChange[]): Promise<OperationResult[]> {
    const target = this.target(targetId);
    const outcomes = new Map<number, ChangeOutcome>();
    const accepted: IndexedChange[] = [];
    changes.forEach((change, index) => {
      const problems = this.refusal(target, change);
      if (problems.length > 0) outcomes.set(index, { ok: false, calls: [], error: errorInfo('validation', 'InvalidRule', problems.join('; ')) });
      else accepted.push({ index, change });
    });
    for (const [index, outcome] of await applyBatch(this.calls, target, this.config.ownerMarker, this.config.tokenRetries, accepted)) {
      outcomes.set(index, outcome);
    }
    return changes.map((change, index) => ({
      change,
      ...(outcomes.get(index) ?? { ok: false, calls: [], error: errorInfo('unknown', 'NotApplied', 'change was not applied') }),
    }));
  }

  /** Why a change must not be sent: an invalid rule, or a rule portcullis does not own. */
  private refusal(target: NfwTarget, change: RuleChange): string[] {
    if (change.op === 'create') return validateRule(target, change.rule);
    const old = change.op === 'update' ? change.before : change.rule;
    const problems = change.op === 'update' ? validateRule(target, change.rule) : [];
    if (!old.owned) problems.push(`stateless rule ${old.cloudId ?? old.priority} is not owned by portcullis; it is only ever read`);
    if (change.op === 'update' && old.direction !== change.rule.direction) problems.push('an update keeps the direction; delete and create instead');
    return problems;
  }

  check(targetId: string): Promise<CheckResult> {
    return checkTarget(this.calls, this.target(targetId), this.config.ownerMarker);
  }

  async quarantine(targetId: string, host: string): Promise<QuarantineResult> {
    return refuseHostIsolation(this.target(targetId), host, 'quarantine');
  }

  async release(targetId: string, host: string): Promise<QuarantineResult> {
    return refuseHostIsolation(this.target(targetId), host, 'release');
  }
}

/** A rule group filters addresses; it has no hosts to isolate. Refused clearly, with no call made. */
function refuseHostIsolation(target: NfwTarget, host: string, what: 'quarantine' | 'release'): QuarantineResult {
  return {
    ok: false,
    calls: [],
    error: errorInfo(
      'validation',
      'QuarantineNotSupported',
      `target "${target.id}" (Network Firewall rule group ${target.ruleGroup}) cannot ${what} host ${host}: a rule group filters addresses and cannot isolate a host; quarantine it through an aws-ec2 target (security group swap)`,
    ),
  };
}
