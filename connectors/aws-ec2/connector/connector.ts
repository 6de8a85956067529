import { UpdateSecurityGroupRuleDescriptionsEgressCommand, UpdateSecurityGroupRuleDescriptionsIngressCommand } from '@aws-sdk/client-ec2';
import {
  type CheckResult,
  type Connector,
  type ConnectorContext,
  ConnectorError,
  type ConnectorLimits,
  type FamilyRoom,
  type LogObject,
  type NormalizedRule,
  type OperationResult,
  type QuarantineResult,
  type RuleChange,
} from '../../../src/connectors/types.ts';
import type { AwsEc2Config, AwsEc2Target } from '../config.ts';
import { awsCredentials, type CallRecord, connectorErrorInfo, createEc2Client, Ec2Calls } from './calls.ts';
import { S3Client, s3LogObjects } from './flow-log-objects.ts';
import { checkTarget } from './check.ts';
import { applyNaclChanges, describeNaclEntries } from './nacl.ts';
import { entryFamily, inBand, naclEntryToRule, parseNaclCloudId } from './nacl-mapping.ts';
import type { ChangeOutcome, IndexedChange } from './outcome.ts';
import { Quarantine } from './quarantine.ts';
import { describeGroupRules, SecurityGroupRules } from './sg.ts';
import { descriptionFor, sgRulesToNormalized } from './sg-mapping.ts';
import { validateRule } from './validate.ts';

/** AWS's default quota of inbound (or outbound) rules per security group; each CIDR is one rule. */
const SG_RULES_PER_DIRECTION = 60;

/** Blocks live in the target's network ACL (band-owned entries), allows in its security group (description-owned rules). */
export class AwsEc2Connector implements Connector {
  readonly type = 'aws-ec2' as const;
  private readonly calls: Ec2Calls;
  private readonly marker: string;

  readonly id: string;
  private readonly config: AwsEc2Config;
  private readonly ctx: ConnectorContext;
  private s3?: S3Client;
  constructor(
    id: string,
    config: AwsEc2Config,
    ctx: ConnectorContext,
  ) {
    this.id = id;
    this.config = config;
    this.ctx = ctx;
    this.calls = new Ec2Calls(createEc2Client(config, ctx), ctx);
    this.marker = config.ownerMarker;
  }

  private target(targetId: string): AwsEc2Target {
    const target = this.config.targets.find((t) => t.id === targetId);
    if (!target) {
      throw new ConnectorError(connectorErrorInfo('not_found', 'UnknownTarget', `connector "${this.id}" has no target "${targetId}" (known: ${this.targets().join(', ')})`));
    }
    return target;
  }

  /** Per target: the entries outside the band per direction and family (`ingress|ipv4`…), from the last list(). */
  private readonly entriesOutsideBand = new Map<string, Map<string, number>>();

  targets(): string[] {
    return this.config.targets.map((t) => t.id);
  }

  limits(targetId: string, placement: NormalizedRule['placement'] = 'nacl'): ConnectorLimits {
    const target = this.target(targetId);
    const band = target.ruleNumberBand;
    if (placement === 'sg') {
      // Security groups: allow-only and unordered; AWS counts every CIDR as one of 60 rules per direction.
      return {
        supportsDeny: false,
        supportsIpv6: target.ipv6,
        maxRulesPerDirection: SG_RULES_PER_DIRECTION,
        maxPrefixesPerRule: SG_RULES_PER_DIRECTION,
        maxPrefixesPerTarget: SG_RULES_PER_DIRECTION,
        priorityBand: { from: 0, to: 0 },
        mixesAddressFamilies: true,
      };
    }
    // AWS counts entries per direction AND family, the default rule and foreign entries included: the
    // room for owned entries is per family (as last listed; before any listing only the default rule
    // is assumed, and apply still refuses what does not fit). The band's numbers are shared by both.
    const outside = this.entriesOutsideBand.get(targetId);
    const room = (direction: 'ingress' | 'egress', family: 'ipv4' | 'ipv6'): FamilyRoom => {
      const notOwned = outside ? (outside.get(`${direction}|${family}`) ?? 0) : 1;
      return { owned: Math.max(0, target.naclEntryLimit - notOwned), quota: target.naclEntryLimit, notOwned };
    };
    const perFamily = {
      ingress: { ipv4: room('ingress', 'ipv4'), ipv6: room('ingress', 'ipv6') },
      egress: { ipv4: room('egress', 'ipv4'), ipv6: room('egress', 'ipv6') },
    };
    const families = target.ipv6 ? (['ipv4', 'ipv6'] as const) : (['ipv4'] as const);
    const perDirection = Math.max(
      ...(['ingress', 'egress'] as const).map((d) => families.reduce((n, f) => n + perFamily[d][f].owned, 0)),
    );
    return {
      supportsDeny: true,
      supportsIpv6: target.ipv6,
      maxRulesPerDirection: Math.min(band.to - band.from + 1, perDirection),
      maxPrefixesPerRule: 1,
      maxPrefixesPerTarget: Number.POSITIVE_INFINITY,
      priorityBand: { ...band },
      mixesAddressFamilies: false,
      perFamily,
      container: `network ACL ${target.networkAclId}`,
    };
  }

  validate(targetId: string, rule: NormalizedRule): string[] {
    const target = this.config.targets.find((t) => t.id === targetId);
    if (!target) return [`unknown target "${targetId}" on connector "${this.id}"`];
    return validateRule(target, this.marker, rule);
  }

  /** Why a change must not be sent: invalid rule, or a rule portcullis does not own. */
  private refusal(targetId: string, change: RuleChange): string[] {
    if (change.op === 'create') return this.validate(targetId, change.rule);
    const old = change.op === 'update' ? change.before : change.rule;
    const problems = change.op === 'update' ? this.validate(targetId, change.rule) : [];
    const target = this.target(targetId);
    const number = old.cloudId ? parseNaclCloudId(old.cloudId)?.ruleNumber : old.priority;
    if (!old.owned || (old.placement === 'nacl' && (number === undefined || !inBand(target, number)))) {
      problems.push(`${old.placement} rule ${old.cloudId ?? ''} is not owned by portcullis; it is only ever read`);
    }
    if (change.op === 'update' && (old.placement !== change.rule.placement || old.direction !== change.rule.direction)) {
      problems.push('an update keeps placement and direction; delete and create instead');
    }
    return problems;
  }

  async list(targetId: string): Promise<NormalizedRule[]> {
    const target = this.target(targetId);
    const log: CallRecord[] = [];
    const entries = await describeNaclEntries(this.calls, target, log);
    // Entries outside the band (the default rule, a person's allow-all…) use the same per-direction,
    // per-family entry limit: remember them per direction and family, so limits() plans only what fits.
    const outside = new Map<string, number>();
    for (const e of entries) {
      if (inBand(target, e.RuleNumber ?? 0)) continue;
      const key = `${e.Egress ? 'egress' : 'ingress'}|${entryFamily(e)}`;
      outside.set(key, (outside.get(key) ?? 0) + 1);
    }
    this.entriesOutsideBand.set(targetId, outside);
    const sgRules = await describeGroupRules(this.calls, target.securityGroupId, log);
    return [...entries.map((e) => naclEntryToRule(target, e)), ...sgRulesToNormalized(sgRules, this.marker)];
  }

  async apply(targetId: string, changes: RuleChange[]): Promise<OperationResult[]> {
    const target = this.target(targetId);
    const outcomes = new Map<number, ChangeOutcome>();
    const nacl: IndexedChange[] = [];
    const sg: IndexedChange[] = [];
    changes.forEach((change, index) => {
      const problems = this.refusal(targetId, change);
      if (problems.length > 0) {
        outcomes.set(index, { ok: false, calls: [], error: connectorErrorInfo('validation', 'InvalidRule', problems.join('; ')) });
      } else (change.rule.placement === 'nacl' ? nacl : sg).push({ index, change });
    });
    for (const [index, outcome] of await applyNaclChanges(this.calls, target, nacl)) outcomes.set(index, outcome);
    const rules = new SecurityGroupRules(this.calls, target.securityGroupId, this.marker);
    for (const { index, change } of sg) {
      const log: CallRecord[] = [];
      try {
        if (change.op === 'create') outcomes.set(index, await rules.create(change.rule, log));
        else if (change.op === 'delete') outcomes.set(index, await rules.delete(change.rule, log));
        else outcomes.set(index, await rules.update(change.before, change.rule, log));
      } catch (error) {
        const info = error instanceof ConnectorError ? error.info : connectorErrorInfo('unknown', 'Unknown', String(error));
        outcomes.set(index, { ok: false, calls: log, error: info });
      }
    }
    return changes.map((change, index) => {
      const outcome = outcomes.get(index) ?? { ok: false, calls: [], error: connectorErrorInfo('unknown', 'NotApplied', 'change was not applied') };
      return { change, ...outcome };
    });
  }

  adoptionProblems(targetId: string, rule: NormalizedRule): string[] {
    const target = this.target(targetId);
    if (rule.owned) return [`${rule.placement} rule ${rule.cloudId ?? ''} is already owned by portcullis`];
    if (rule.placement === 'nacl') {
      // NACL ownership is the rule-number band: moving the entry into it would change evaluation order.
      return [
        `network ACL entry ${rule.cloudId ?? ''} is outside portcullis's rule-number band ${target.ruleNumberBand.from}-${target.ruleNumberBand.to}; NACL entries are owned by number, and renumbering one changes the order it is evaluated in, so it cannot be adopted`,
      ];
    }
    if (!rule.cloudId) return ['the rule has no security group rule ids to adopt'];
    return [];
  }

  /** Marks the security group rules as owned: UpdateSecurityGroupRuleDescriptions* (only descriptions change). */
  async adopt(targetId: string, rule: NormalizedRule, intentIds: string[]): Promise<OperationResult> {
    const target = this.target(targetId);
    const change: RuleChange = { op: 'update', before: rule, rule: { ...rule, owned: true, intentIds } };
    const problems = this.adoptionProblems(targetId, rule);
    if (problems.length) return { change, ok: false, calls: [], error: connectorErrorInfo('validation', 'NotAdoptable', problems.join('; ')) };
    const log: CallRecord[] = [];
    const input = {
      GroupId: target.securityGroupId,
      SecurityGroupRuleDescriptions: (rule.cloudId ?? '').split(',').map((id) => ({ SecurityGroupRuleId: id, Description: descriptionFor({ ...rule, description: undefined, intentIds }, this.marker) })),
    };
    const result =
      rule.direction === 'egress'
        ? await this.calls.run('UpdateSecurityGroupRuleDescriptionsEgress', (c) => c.send(new UpdateSecurityGroupRuleDescriptionsEgressCommand(input)), log)
        : await this.calls.run('UpdateSecurityGroupRuleDescriptionsIngress', (c) => c.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand(input)), log);
    return result.ok ? { change, ok: true, calls: log, ...(rule.cloudId ? { cloudId: rule.cloudId } : {}) } : { change, ok: false, calls: log, error: result.error };
  }

  /** Flow logs delivered to S3 (s3://bucket/prefix): ListObjectsV2 pages, GetObject per object. */
  listLogObjects(location: string): AsyncIterable<LogObject> {
    this.s3 ??= new S3Client({
      region: this.config.region,
      ...(this.config.s3Endpoint ? { endpoint: this.config.s3Endpoint, forcePathStyle: true } : {}),
      ...awsCredentials(this.config, this.ctx),
    });
    return s3LogObjects(this.s3, location);
  }

  check(targetId: string): Promise<CheckResult> {
    return checkTarget(this.calls, this.target(targetId), this.marker);
  }

  quarantine(targetId: string, host: string): Promise<QuarantineResult> {
    return new Quarantine(this.calls, this.target(targetId), this.marker).quarantine(host);
  }

  release(targetId: string, host: string, previous: unknown): Promise<QuarantineResult> {
    return new Quarantine(this.calls, this.target(targetId), this.marker).release(host, previous);
  }
}
