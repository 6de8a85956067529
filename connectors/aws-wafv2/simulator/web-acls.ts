import { type Body, type OpContext, type OpHandler, page, scopeOf, str } from './context.ts';
import { faults } from './faults.ts';
import { tagsOf } from './ip-sets.ts';
import { nextUuid, referencedArns, type Scope, type StoredWebAcl, type WafRule, type WafState, type WafStatement } from './state.ts';

/** Members of UpdateWebACL that are kept as sent and returned by GetWebACL. */
const ECHOED = [
  'CustomResponseBodies',
  'CaptchaConfig',
  'ChallengeConfig',
  'TokenDomains',
  'AssociationConfig',
  'DataProtectionConfig',
  'OnSourceDDoSProtectionConfig',
  'ApplicationConfig',
  'MonetizationConfig',
] as const;

function webAclOf(state: WafState, body: Body): { scope: Scope; acl: StoredWebAcl } {
  const scope = scopeOf(body);
  const acl = state.webAcls[scope].get(str(body, 'Id'));
  if (!acl || acl.Name !== str(body, 'Name')) throw faults.nonexistent();
  return { scope, acl };
}

/** WCUs of a statement: 1 per IP set reference, 700 for the managed group the seed uses, 1 otherwise. */
function capacityOf(statement: WafStatement): number {
  if (statement.ManagedRuleGroupStatement) return 700;
  const nested = [...(statement.OrStatement?.Statements ?? []), ...(statement.AndStatement?.Statements ?? [])];
  if (nested.length) return nested.reduce((n, s) => n + capacityOf(s), 0);
  if (statement.NotStatement) return capacityOf(statement.NotStatement.Statement);
  return 1;
}

/** A statement holds exactly one member; Or/And need at least two statements (WAF's own rule). */
function checkStatement(statement: unknown, path: string): void {
  if (typeof statement !== 'object' || statement === null) throw faults.invalidParameter('STATEMENT', path, 'A statement is required');
  const members = Object.keys(statement);
  if (members.length !== 1) throw faults.invalidParameter('STATEMENT', path, 'A statement must contain exactly one statement type');
  const s = statement as WafStatement;
  for (const [kind, nested] of [
    ['OrStatement', s.OrStatement],
    ['AndStatement', s.AndStatement],
  ] as const) {
    if (!nested) continue;
    if (!Array.isArray(nested.Statements) || nested.Statements.length < 2) {
      throw faults.invalidParameter('STATEMENT', `${path}.${kind}`, `${kind} requires at least 2 statements`);
    }
    for (const [i, n] of nested.Statements.entries()) checkStatement(n, `${path}.${kind}.Statements[${i}]`);
  }
  if (s.NotStatement) checkStatement(s.NotStatement.Statement, `${path}.NotStatement`);
}

function checkRules(ctx: OpContext, scope: Scope, value: unknown): { rules: WafRule[]; capacity: number } {
  const { state } = ctx;
  const capacityQuota = ctx.quotas.webAclCapacity;
  const rules = (value ?? []) as WafRule[];
  if (!Array.isArray(rules)) throw faults.invalidParameter('RULE', 'Rules', 'Rules must be a list');
  const names = new Set<string>();
  const priorities = new Set<number>();
  let capacity = 0;
  for (const [i, rule] of rules.entries()) {
    if (typeof rule.Name !== 'string' || !/^[\w-]{1,128}$/.test(rule.Name)) throw faults.invalidParameter('RULE', `Rules[${i}].Name`, 'The rule name is not valid');
    if (names.has(rule.Name)) throw faults.invalidParameter('RULE', rule.Name, 'A rule with this name already exists');
    if (!Number.isInteger(rule.Priority) || rule.Priority < 0) throw faults.invalidParameter('RULE', `${rule.Name}.Priority`, 'Priority must be a non-negative integer');
    if (priorities.has(rule.Priority)) throw faults.invalidParameter('RULE', `${rule.Name}.Priority`, 'The priority is used by another rule');
    if (!rule.VisibilityConfig) throw faults.invalidParameter('RULE', `${rule.Name}.VisibilityConfig`, 'VisibilityConfig is required');
    if ((rule.Action === undefined) === (rule.OverrideAction === undefined)) {
      throw faults.invalidParameter('RULE', `${rule.Name}`, 'A rule needs exactly one of Action or OverrideAction');
    }
    checkStatement(rule.Statement, `${rule.Name}.Statement`);
    for (const arn of referencedArns(rule.Statement)) {
      const set = [...state.ipSets[scope].values()].find((s) => s.ARN === arn);
      if (!set) throw faults.nonexistent();
      // A set created moments ago is not usable everywhere yet (WAFUnavailableEntityException).
      if (set.createdAt !== undefined && ctx.now < set.createdAt + ctx.propagationMs) throw faults.unavailableEntity();
    }
    names.add(rule.Name);
    priorities.add(rule.Priority);
    capacity += capacityOf(rule.Statement);
  }
  if (capacity > capacityQuota) throw faults.limits(`${capacityQuota} WCUs per web ACL`);
  return { rules: structuredClone(rules), capacity };
}

function summaryOf(acl: StoredWebAcl) {
  return { Name: acl.Name, Id: acl.Id, ...(acl.Description ? { Description: acl.Description } : {}), LockToken: acl.LockToken, ARN: acl.ARN };
}

export const webAclOps: Record<string, OpHandler> = {
  GetWebACL({ state, body }) {
    const { acl } = webAclOf(state, body);
    const { LockToken, extra, ...rest } = acl;
    return { WebACL: structuredClone({ ...rest, ...extra }), LockToken };
  },

  ListWebACLs({ state, body }) {
    const scope = scopeOf(body);
    const { items, next } = page([...state.webAcls[scope].values()], body);
    return { WebACLs: items.map(summaryOf), ...(next ? { NextMarker: next } : {}) };
  },

  /** Replaces every mutable member of the web ACL, as the API reference says: omitted ones are cleared. */
  UpdateWebACL(ctx) {
    const { state, body } = ctx;
    const { scope, acl } = webAclOf(state, body);
    if (!body.DefaultAction) throw faults.validation("1 validation error detected: Value at 'defaultAction' failed to satisfy constraint: Member must not be null");
    if (!body.VisibilityConfig) throw faults.validation("1 validation error detected: Value at 'visibilityConfig' failed to satisfy constraint: Member must not be null");
    const { rules, capacity } = checkRules(ctx, scope, body.Rules);
    if (str(body, 'LockToken') !== acl.LockToken) throw faults.optimisticLock();
    acl.DefaultAction = structuredClone(body.DefaultAction);
    acl.VisibilityConfig = structuredClone(body.VisibilityConfig);
    acl.Rules = rules;
    acl.Capacity = capacity;
    if (typeof body.Description === 'string') acl.Description = body.Description;
    else delete acl.Description;
    acl.extra = Object.fromEntries(ECHOED.filter((m) => body[m] !== undefined).map((m) => [m, structuredClone(body[m])]));
    acl.LockToken = nextUuid(state);
    return { NextLockToken: acl.LockToken };
  },
};

function resourceExists(state: WafState, arn: string): boolean {
  return (['REGIONAL', 'CLOUDFRONT'] as const).some(
    (scope) => [...state.ipSets[scope].values()].some((s) => s.ARN === arn) || [...state.webAcls[scope].values()].some((a) => a.ARN === arn),
  );
}

export const tagOps: Record<string, OpHandler> = {
  ListTagsForResource({ state, body }) {
    const arn = str(body, 'ResourceARN');
    if (!resourceExists(state, arn)) throw faults.nonexistent();
    const { items, next } = page(state.tags.get(arn) ?? [], body);
    return { TagInfoForResource: { ResourceARN: arn, TagList: items }, ...(next ? { NextMarker: next } : {}) };
  },
  TagResource({ state, body }) {
    const arn = str(body, 'ResourceARN');
    if (!resourceExists(state, arn)) throw faults.nonexistent();
    const tags = tagsOf(body);
    const merged = new Map((state.tags.get(arn) ?? []).map((t) => [t.Key, t.Value]));
    for (const t of tags) merged.set(t.Key, t.Value);
    state.tags.set(arn, [...merged].map(([Key, Value]) => ({ Key, Value })));
    return {};
  },
};
