import type { PortRange } from '../connectors/types.ts';
import { tryParseCidr } from '../net/cidr.ts';
import { asArray, isRecord, stringList } from './documents.ts';
import type { PositionedJson } from './json-positions.ts';
import type { AppRule, Endpoint, Finding, IdentityRef, ReadProblem } from './types.ts';

/** The resource types read from a plan; everything else in it is left alone. */
export const TERRAFORM_TYPES = [
  'aws_security_group',
  'aws_security_group_rule',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
  'azurerm_network_security_group',
  'azurerm_network_security_rule',
  'google_compute_firewall',
] as const;
type TerraformType = (typeof TERRAFORM_TYPES)[number];

const FIREWALL_LIKE = /firewall|security_group|secgroup|security_rule|network_acl|network_policy/;

type Values = Record<string, unknown>;
type Unknown = Record<string, unknown>;

/** What one side (before or after) of a resource change asks for, before diffing the two sides. */
interface Side {
  values: Values;
  unknown: Unknown;
  path: (string | number)[];
}

interface Ctx {
  file: string;
  json: PositionedJson;
  address: string;
  type: TerraformType;
  /** The configuration's references of this resource (field -> addresses), for values unknown until apply. */
  refs: Map<string, string[]>;
  problems: ReadProblem[];
  notes: Finding[];
}

/** True when the JSON is a `terraform show -json` plan (it has resource_changes or planned_values). */
export const isTerraformPlan = (data: unknown): boolean =>
  isRecord(data) && (Array.isArray(data.resource_changes) || (typeof data.format_version === 'string' && 'planned_values' in data));

/**
 * Reads a Terraform plan (`terraform show -json`): every change of the supported firewall resources.
 * The rules of `before` and `after` are compared: rules only in `after` are allow requests, rules only
 * in `before` are revokes (so a delete is a revoke, and an update is a revoke of what goes plus an allow
 * of what comes). Values unknown until apply are reported, never guessed; when the plan's configuration
 * names the resource they come from (`aws_security_group.alb.id`), that address is kept, so the config's
 * identities can map it.
 */
export function readTerraformPlan(json: PositionedJson, file: string): { rules: AppRule[]; notes: Finding[]; problems: ReadProblem[] } {
  const plan = json.data as Record<string, unknown>;
  const problems: ReadProblem[] = [];
  const notes: Finding[] = [];
  const rules: AppRule[] = [];
  const changes = asArray(plan.resource_changes);
  const refs = configurationRefs(plan.configuration);
  const supported = changes.filter((c) => isRecord(c) && TERRAFORM_TYPES.includes(c.type as TerraformType));
  if (!supported.length) {
    const providers = [...new Set(changes.map((c) => (isRecord(c) ? String(c.provider_name ?? c.type ?? '').replace(/^registry\.terraform\.io\//, '') : '')).filter(Boolean))];
    problems.push({
      file,
      line: json.lineOf(['resource_changes']),
      path: 'resource_changes',
      message: `no firewall resource this reads (${providers.length ? `the plan's providers: ${providers.join(', ')}` : 'the plan changes nothing'}); expected ${TERRAFORM_TYPES.join(', ')} (providers hashicorp/aws, hashicorp/azurerm, hashicorp/google)`,
    });
    return { rules, notes, problems };
  }
  // Firewall-like resources this does not read are named, so nobody takes silence for a decision.
  const unread = new Set<string>();
  changes.forEach((change, i) => {
    if (isRecord(change) && !TERRAFORM_TYPES.includes(change.type as TerraformType) && FIREWALL_LIKE.test(String(change.type)) && !/_association$|_attachment$/.test(String(change.type))) {
      const actions = isRecord(change.change) ? stringList(change.change.actions) : [];
      if (!actions.includes('no-op') && !actions.includes('read') && !unread.has(String(change.type))) {
        unread.add(String(change.type));
        notes.push({ line: json.lineOf(['resource_changes', i]), message: `not read: ${String(change.type)} (${String(change.address)}) is a firewall resource portcullis does not decide; review it by hand` });
      }
    }
    if (!isRecord(change) || !TERRAFORM_TYPES.includes(change.type as TerraformType)) return;
    const c = isRecord(change.change) ? change.change : {};
    const actions = stringList(c.actions);
    const address = String(change.address ?? `${change.type}.${change.name}`);
    if (actions.includes('no-op') || actions.includes('read')) return;
    const ctx: Ctx = { file, json, address, type: change.type as TerraformType, refs: refs.get(configAddress(address)) ?? new Map(), problems, notes };
    const side = (key: 'before' | 'after', unknownKey: string): Side | undefined =>
      isRecord(c[key]) ? { values: c[key] as Values, unknown: isRecord(c[unknownKey]) ? (c[unknownKey] as Unknown) : {}, path: ['resource_changes', i, 'change', key] } : undefined;
    const before = side('before', 'before_unknown');
    const after = side('after', 'after_unknown');
    const was = before ? rulesOf(ctx, before, 'revoke') : [];
    const will = after ? rulesOf(ctx, after, 'allow') : [];
    const key = (r: AppRule) => JSON.stringify([r.direction, r.target, r.peers.map(peerKey).sort(), r.anywhere, r.protocol, r.ports]);
    const kept = new Set(was.map(key));
    const gone = new Set(will.map(key));
    rules.push(...was.filter((r) => !gone.has(key(r))), ...will.filter((r) => !kept.has(key(r)) || r.unknown.length));
  });
  return { rules, notes, problems };
}

const peerKey = (p: Endpoint) => ('cidr' in p ? p.cidr : JSON.stringify(p.identity));

function rulesOf(ctx: Ctx, side: Side, action: AppRule['action']): AppRule[] {
  switch (ctx.type) {
    case 'aws_security_group':
      return ['ingress', 'egress'].flatMap((direction) =>
        asArray(side.values[direction]).flatMap((block, j) => {
          const unknown = isRecord(side.unknown[direction]) ? {} : Array.isArray(side.unknown[direction]) ? ((side.unknown[direction] as unknown[])[j] ?? {}) : {};
          const target: IdentityRef = { kind: 'securityGroup', address: ctx.address, ...(typeof side.values.id === 'string' ? { value: side.values.id } : {}) };
          return isRecord(block) ? [awsRule(ctx, { values: block, unknown: isRecord(unknown) ? unknown : {}, path: [...side.path, direction, j] }, action, direction as 'ingress' | 'egress', target, `${direction}[${j}]`)] : [];
        }),
      );
    case 'aws_security_group_rule': {
      const direction = side.values.type === 'egress' ? 'egress' : 'ingress';
      return [awsRule(ctx, side, action, direction, groupRef(ctx, side, 'security_group_id'), '')];
    }
    case 'aws_vpc_security_group_ingress_rule':
    case 'aws_vpc_security_group_egress_rule':
      return [awsRule(ctx, side, action, ctx.type.endsWith('egress_rule') ? 'egress' : 'ingress', groupRef(ctx, side, 'security_group_id'), '')];
    case 'azurerm_network_security_rule': {
      const name = known(ctx, side, 'network_security_group_name');
      const target: IdentityRef | undefined = name !== undefined ? { kind: 'nsg', value: name } : refAddress(ctx, 'network_security_group_name', 'nsg');
      return azureRule(ctx, side, action, target, '');
    }
    case 'azurerm_network_security_group': {
      const target: IdentityRef = { kind: 'nsg', address: ctx.address, ...(typeof side.values.name === 'string' ? { value: side.values.name } : {}) };
      return asArray(side.values.security_rule).flatMap((rule, j) =>
        isRecord(rule) ? azureRule(ctx, { values: rule, unknown: {}, path: [...side.path, 'security_rule', j] }, action, target, `security_rule[${j}]`) : [],
      );
    }
    case 'google_compute_firewall':
      return gcpRules(ctx, side, action);
  }
}

function base(ctx: Ctx, side: Side, action: AppRule['action'], direction: AppRule['direction'], target: IdentityRef | undefined, part: string): AppRule {
  return {
    kind: 'terraform',
    at: { file: ctx.file, ...ctx.json.positionOf(side.path.length > 4 ? side.path : side.path.slice(0, 2)), name: `${ctx.address}${part ? ` ${part}` : ''}${action === 'revoke' ? ' (removed)' : ''}` },
    action,
    direction,
    target,
    peers: [],
    anywhere: false,
    protocol: 'tcp',
    ports: [],
    notEnforceable: [],
    unknown: [],
    blockers: [],
  };
}

/** A value the plan knows, or undefined with the unknown recorded (never guessed). */
function known(ctx: Ctx, side: Side, field: string, rule?: AppRule): string | undefined {
  if (side.unknown[field] === true) {
    rule?.unknown.push({ line: ctx.json.lineOf(side.path), message: `${field} is known only after apply` });
    return undefined;
  }
  const v = side.values[field];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

function refAddress(ctx: Ctx, field: string, kind: 'securityGroup' | 'nsg'): IdentityRef | undefined {
  const address = ctx.refs.get(field)?.find((a) => !/\.(id|name|arn)$/.test(a));
  return address ? { kind, address } : undefined;
}

function groupRef(ctx: Ctx, side: Side, field: string): IdentityRef | undefined {
  const id = side.unknown[field] === true ? undefined : side.values[field];
  if (typeof id === 'string' && id) return { kind: 'securityGroup', value: id };
  return refAddress(ctx, field, 'securityGroup');
}

const AWS_PROTOCOLS: Record<string, AppRule['protocol']> = { '-1': 'all', all: 'all', tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp' };

function awsRule(ctx: Ctx, side: Side, action: AppRule['action'], direction: AppRule['direction'], target: IdentityRef | undefined, part: string): AppRule {
  const r = base(ctx, side, action, direction, target, part);
  const v = side.values;
  const line = ctx.json.lineOf(side.path);
  if (!target) r.unknown.push({ line, message: 'security_group_id is known only after apply and no configuration reference names its group' });
  const protocolText = String(v.ip_protocol ?? v.protocol ?? '').toLowerCase();
  const protocol = AWS_PROTOCOLS[protocolText];
  if (!protocol) r.blockers.push({ line, message: `protocol "${protocolText}": portcullis opens tcp, udp, icmp or all` });
  r.protocol = protocol ?? 'tcp';
  if (r.protocol === 'tcp' || r.protocol === 'udp') r.ports = portPair(v.from_port, v.to_port);
  for (const field of ['cidr_blocks', 'ipv6_cidr_blocks', 'cidr_ipv4', 'cidr_ipv6']) {
    if (side.unknown[field] === true || (Array.isArray(side.unknown[field]) && (side.unknown[field] as unknown[]).includes(true))) {
      r.unknown.push({ line, message: `${field} is known only after apply` });
    }
    const values = typeof v[field] === 'string' ? [v[field] as string] : stringList(v[field]);
    for (const cidr of values) addCidr(ctx, r, cidr, line, field);
  }
  // The provider computes source_security_group_id when CIDRs or self are given (it cannot be set with them).
  const exclusive = r.peers.length > 0 || v.self === true;
  for (const field of ['source_security_group_id', 'referenced_security_group_id']) {
    if (side.unknown[field] === true && exclusive) continue;
    if (side.unknown[field] === true) {
      const ref = refAddress(ctx, field, 'securityGroup');
      if (ref) r.peers.push({ identity: ref, line });
      else r.unknown.push({ line, message: `${field} is known only after apply` });
    } else if (typeof v[field] === 'string' && v[field]) r.peers.push({ identity: { kind: 'securityGroup', value: v[field] as string }, line });
  }
  for (const group of stringList(v.security_groups)) r.peers.push({ identity: { kind: 'securityGroup', value: group }, line });
  if (v.self === true && target) r.peers.push({ identity: target, line });
  const prefixLists = [...stringList(v.prefix_list_ids), ...(typeof v.prefix_list_id === 'string' ? [v.prefix_list_id] : [])];
  if (prefixLists.length) r.blockers.push({ line, message: `prefix lists (${prefixLists.join(', ')}) hold addresses the plan does not show` });
  if (!r.peers.length && !r.unknown.length && !r.blockers.length) r.blockers.push({ line, message: 'the rule names no source (no CIDR, group or prefix list)' });
  return r;
}

function portPair(from: unknown, to: unknown): PortRange[] {
  const a = Number(from);
  const b = Number(to);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || (a === 0 && b === 65535) || a === -1) return [];
  return [{ from: a, to: b }];
}

function addCidr(ctx: Ctx, r: AppRule, text: string, line: number, field: string): void {
  if (text === '0.0.0.0/0' || text === '::/0') r.anywhere = true;
  const parsed = tryParseCidr(text, { hostBits: 'mask' });
  if (parsed.ok) r.peers.push({ cidr: text, line });
  else ctx.problems.push({ file: ctx.file, line, path: `${ctx.address}.${field}`, message: `"${text}" is not a CIDR (${parsed.error})` });
}

const AZURE_PROTOCOLS: Record<string, AppRule['protocol']> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp', '*': 'all' };
const AZURE_ANY = new Set(['*', 'internet', 'any', '0.0.0.0/0']);

function azureRule(ctx: Ctx, side: Side, action: AppRule['action'], target: IdentityRef | undefined, part: string): AppRule[] {
  const v = side.values;
  const line = ctx.json.lineOf(side.path);
  const where = `${ctx.address}${part ? ` ${part}` : ''}`;
  if (String(v.access).toLowerCase() === 'deny') {
    ctx.notes.push({ line, message: `${where}: a Deny rule only narrows access; nothing to request` });
    return [];
  }
  const direction = String(v.direction).toLowerCase() === 'outbound' ? 'egress' : 'ingress';
  const r = base(ctx, side, action, direction, target, part);
  if (!target) r.unknown.push({ line, message: 'network_security_group_name is known only after apply and no configuration reference names the NSG' });
  const protocol = AZURE_PROTOCOLS[String(v.protocol).toLowerCase()];
  if (!protocol) r.blockers.push({ line, message: `protocol "${String(v.protocol)}": portcullis opens tcp, udp, icmp or all` });
  r.protocol = protocol ?? 'tcp';
  const ports = [...(typeof v.destination_port_range === 'string' ? [v.destination_port_range] : []), ...stringList(v.destination_port_ranges)];
  if (r.protocol === 'tcp' || r.protocol === 'udp') {
    for (const text of ports) {
      if (text === '*') {
        r.ports = [];
        break;
      }
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
      if (!m) ctx.problems.push({ file: ctx.file, line, path: `${where}.destination_port_range`, message: `"${text}" is not a port or range (expected "443", "8000-8080" or "*")` });
      else r.ports.push({ from: Number(m[1]), to: Number(m[2] ?? m[1]) });
    }
  }
  const peerField = direction === 'ingress' ? 'source' : 'destination';
  const prefixes = [...(typeof v[`${peerField}_address_prefix`] === 'string' ? [v[`${peerField}_address_prefix`] as string] : []), ...stringList(v[`${peerField}_address_prefixes`])];
  for (const text of prefixes) {
    if (AZURE_ANY.has(text.toLowerCase())) r.anywhere = true;
    else if (tryParseCidr(text, { hostBits: 'mask' }).ok) r.peers.push({ cidr: text, line });
    else r.blockers.push({ line, message: `service tag "${text}": its addresses are Azure's, not in the plan` });
  }
  if (stringList(v[`${peerField}_application_security_group_ids`]).length) {
    r.blockers.push({ line, message: `${peerField}_application_security_group_ids: application security groups are not mapped to tiers` });
  }
  if (r.anywhere) r.peers = [];
  return [r];
}

const GCP_PROTOCOLS: Record<string, AppRule['protocol']> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp', all: 'all', '6': 'tcp', '17': 'udp', '1': 'icmp' };

function gcpRules(ctx: Ctx, side: Side, action: AppRule['action']): AppRule[] {
  const v = side.values;
  const line = ctx.json.lineOf(side.path);
  const direction = String(v.direction ?? 'INGRESS').toUpperCase() === 'EGRESS' ? 'egress' : 'ingress';
  if (asArray(v.deny).length) ctx.notes.push({ line, message: `${ctx.address}: deny blocks only narrow access; nothing to request` });
  const targets: (IdentityRef | undefined)[] = stringList(v.target_tags).length
    ? stringList(v.target_tags).map((value) => ({ kind: 'networkTag', value }))
    : stringList(v.target_service_accounts).length
      ? stringList(v.target_service_accounts).map((value) => ({ kind: 'serviceAccount', value }))
      : [typeof v.network === 'string' && side.unknown.network !== true ? { kind: 'network', value: networkName(v.network) } : undefined];
  return asArray(v.allow).flatMap((allow, j) =>
    targets.map((target) => {
      const a = isRecord(allow) ? allow : {};
      const r = base(ctx, { ...side, path: [...side.path, 'allow', j] }, action, direction, target, `allow[${j}]${targets.length > 1 ? ` (target ${(target as { value: string }).value})` : ''}`);
      if (!target) r.unknown.push({ line, message: 'network is known only after apply, and the rule names no target tags or service accounts' });
      const protocol = GCP_PROTOCOLS[String(a.protocol).toLowerCase()];
      if (!protocol) r.blockers.push({ line, message: `protocol "${String(a.protocol)}": portcullis opens tcp, udp, icmp or all` });
      r.protocol = protocol ?? 'tcp';
      if (r.protocol === 'tcp' || r.protocol === 'udp') {
        for (const text of stringList(a.ports)) {
          const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
          if (m) r.ports.push({ from: Number(m[1]), to: Number(m[2] ?? m[1]) });
          else ctx.problems.push({ file: ctx.file, line, path: `${ctx.address}.allow[${j}].ports`, message: `"${text}" is not a port or range` });
        }
      }
      const ranges = stringList(v[direction === 'ingress' ? 'source_ranges' : 'destination_ranges']);
      if (side.unknown[direction === 'ingress' ? 'source_ranges' : 'destination_ranges'] === true && !ranges.length && direction === 'egress') {
        r.unknown.push({ line, message: 'destination_ranges is known only after apply' });
      }
      for (const cidr of ranges) addCidr(ctx, r, cidr, line, direction === 'ingress' ? 'source_ranges' : 'destination_ranges');
      if (direction === 'ingress') {
        for (const value of stringList(v.source_tags)) r.peers.push({ identity: { kind: 'networkTag', value }, line });
        for (const value of stringList(v.source_service_accounts)) r.peers.push({ identity: { kind: 'serviceAccount', value }, line });
      }
      // GCP: an egress rule without destination_ranges goes everywhere; an ingress rule needs a source.
      if (!r.peers.length && direction === 'egress' && !r.unknown.length) r.anywhere = true;
      if (!r.peers.length && direction === 'ingress' && !r.unknown.length && !r.anywhere) r.blockers.push({ line, message: 'the rule names no source (source_ranges, source_tags or source_service_accounts)' });
      if (r.anywhere) r.peers = r.peers.filter((p) => !('cidr' in p));
      return r;
    }),
  );
}

const networkName = (network: string): string => network.split('/').pop() ?? network;

/** Strips instance keys: `module.a.aws_security_group_rule.x[0]` is configured as `module.a.aws_security_group_rule.x`. */
const configAddress = (address: string): string => address.replace(/\[[^\]]*\]/g, '');

/** Configuration address -> (field -> referenced addresses), over the root module and every module call. */
function configurationRefs(configuration: unknown): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  const walk = (module: unknown, prefix: string) => {
    if (!isRecord(module)) return;
    for (const resource of asArray(module.resources)) {
      if (!isRecord(resource) || !isRecord(resource.expressions)) continue;
      const fields = new Map<string, string[]>();
      for (const [field, expr] of Object.entries(resource.expressions)) {
        const refs = isRecord(expr) ? stringList(expr.references) : [];
        if (refs.length) fields.set(field, refs.map((r) => (r.startsWith('var.') || r.startsWith('local.') ? r : `${prefix}${r}`)));
      }
      out.set(`${prefix}${String(resource.address)}`, fields);
    }
    if (isRecord(module.module_calls)) {
      for (const [name, call] of Object.entries(module.module_calls)) if (isRecord(call)) walk(call.module, `${prefix}module.${name}.`);
    }
  };
  walk(isRecord(configuration) ? configuration.root_module : undefined, '');
  return out;
}
