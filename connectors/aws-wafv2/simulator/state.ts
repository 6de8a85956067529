/**
 * The simulator's state: IP sets and web ACLs per scope (REGIONAL in the simulator's region, CLOUDFRONT
 * always in us-east-1), each with its LockToken (a fresh one on every change), plus tags per ARN.
 * Shapes follow the WAFV2 API reference (IPSet, IPSetSummary, WebACL, Rule, Statement).
 */
export type Scope = 'REGIONAL' | 'CLOUDFRONT';
export const SCOPES: readonly Scope[] = ['REGIONAL', 'CLOUDFRONT'];

export interface StoredIpSet {
  Name: string;
  Id: string;
  ARN: string;
  Description?: string;
  IPAddressVersion: 'IPV4' | 'IPV6';
  Addresses: string[];
  LockToken: string;
  /** When it was created (simulator clock), for the propagation delay; not part of the API shape. */
  createdAt?: number;
}

/** A web ACL as GetWebACL returns it; Rules and everything else are kept as the caller sent them. */
export interface StoredWebAcl {
  Name: string;
  Id: string;
  ARN: string;
  Description?: string;
  LockToken: string;
  DefaultAction: unknown;
  VisibilityConfig: unknown;
  Rules: WafRule[];
  Capacity: number;
  ManagedByFirewallManager: boolean;
  LabelNamespace: string;
  /** Other members UpdateWebACL accepts (CustomResponseBodies, CaptchaConfig, TokenDomains...), echoed back. */
  extra: Record<string, unknown>;
}

export interface WafRule {
  Name: string;
  Priority: number;
  Statement: WafStatement;
  Action?: Record<string, unknown>;
  OverrideAction?: Record<string, unknown>;
  VisibilityConfig: unknown;
  [member: string]: unknown;
}

/** A Statement holds exactly one of its members; only the IP-set ones are interpreted here. */
export interface WafStatement {
  IPSetReferenceStatement?: { ARN: string; IPSetForwardedIPConfig?: unknown };
  OrStatement?: { Statements: WafStatement[] };
  AndStatement?: { Statements: WafStatement[] };
  NotStatement?: { Statement: WafStatement };
  [member: string]: unknown;
}

export interface WafState {
  accountId: string;
  region: string;
  ipSets: Record<Scope, Map<string, StoredIpSet>>;
  webAcls: Record<Scope, Map<string, StoredWebAcl>>;
  tags: Map<string, { Key: string; Value: string }[]>;
  /** Counter behind ids and lock tokens (deterministic, so runs repeat). */
  sequence: number;
}

export function emptyState(accountId: string, region: string): WafState {
  return {
    accountId,
    region,
    ipSets: { REGIONAL: new Map(), CLOUDFRONT: new Map() },
    webAcls: { REGIONAL: new Map(), CLOUDFRONT: new Map() },
    tags: new Map(),
    sequence: 0,
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** A UUID-shaped id, as WAF uses for entity ids and lock tokens. */
export function nextUuid(state: WafState): string {
  state.sequence += 1;
  const n = state.sequence;
  return `a1b2c3d4-${hex(n >>> 16, 4)}-4${hex((n >>> 4) & 0xfff, 3)}-8${hex(n & 0xf, 3)}-${hex(n, 12)}`;
}

/** ARN of an IP set or web ACL: CLOUDFRONT entities are "global" and live in us-east-1. */
export function arnOf(state: WafState, scope: Scope, kind: 'ipset' | 'webacl', name: string, id: string): string {
  const region = scope === 'CLOUDFRONT' ? 'us-east-1' : state.region;
  return `arn:aws:wafv2:${region}:${state.accountId}:${scope === 'CLOUDFRONT' ? 'global' : 'regional'}/${kind}/${name}/${id}`;
}

/** Every IP set ARN a statement references, nested statements included. */
export function referencedArns(statement: WafStatement | undefined): string[] {
  if (!statement) return [];
  const own = statement.IPSetReferenceStatement?.ARN ? [statement.IPSetReferenceStatement.ARN] : [];
  const nested = [
    ...(statement.OrStatement?.Statements ?? []),
    ...(statement.AndStatement?.Statements ?? []),
    ...(statement.NotStatement ? [statement.NotStatement.Statement] : []),
  ];
  return [...own, ...nested.flatMap(referencedArns)];
}
