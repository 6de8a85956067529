import { tryParseCidr } from '../net/cidr.ts';
import { type YamlDoc, asArray, isRecord, labelsOf, stringList } from './documents.ts';
import type { AppRule, Endpoint, Finding, IdentityRef, ReadProblem } from './types.ts';

export const ISTIO_VERSIONS = ['security.istio.io/v1', 'security.istio.io/v1beta1'];

const L7_OPERATION = ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'] as const;

/**
 * Reads an Istio AuthorizationPolicy (security.istio.io/v1 or v1beta1) into rules: each `rules[i]` is one
 * rule; its `from` sources are the peers (ipBlocks, remoteIpBlocks, principals, namespaces) and its
 * `to[].operation.ports` the ports. What a network firewall cannot see (HTTP methods, paths, hosts,
 * request principals, `when` conditions) is kept as not-enforceable findings; negations (`not*`) block
 * automatic approval, since an allow rule cannot say "everyone except".
 * - ALLOW: allow requests. DENY: revoke requests (taking access away). AUDIT: nothing to decide.
 * - CUSTOM: decided by an external authorizer at run time, so a person must review it.
 */
export function readAuthorizationPolicy(doc: YamlDoc, file: string): { rules: AppRule[]; notes: Finding[]; problems: ReadProblem[] } {
  const data = doc.data as Record<string, unknown>;
  const meta = isRecord(data.metadata) ? data.metadata : {};
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const name = `AuthorizationPolicy ${namespace}/${typeof meta.name === 'string' ? meta.name : '(unnamed)'}`;
  const spec = isRecord(data.spec) ? data.spec : {};
  const problems: ReadProblem[] = [];
  const notes: Finding[] = [];
  const action = spec.action === undefined ? 'ALLOW' : spec.action;
  if (!['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'].includes(String(action))) {
    problems.push({ file, line: doc.lineOf(['spec', 'action']), path: 'spec.action', message: `"${String(action)}" is not an action (expected ALLOW, DENY, AUDIT or CUSTOM)` });
    return { rules: [], notes, problems };
  }
  if (action === 'AUDIT') {
    notes.push({ line: doc.line, message: `${name}: AUDIT only marks requests for logging; it allows and denies nothing` });
    return { rules: [], notes, problems };
  }
  const selector = isRecord(spec.selector) ? spec.selector : undefined;
  const target: IdentityRef = { kind: 'pods', namespace, labels: labelsOf(selector?.matchLabels) };
  const rules = asArray(spec.rules);
  if (spec.rules === undefined) {
    notes.push({ line: doc.line, message: `${name}: no rules, so it ${action === 'ALLOW' ? 'allows nothing (deny-all for the selected workloads)' : 'matches nothing'}` });
  }
  const out: AppRule[] = [];
  rules.forEach((rule, i) => {
    const base = ['spec', 'rules', i];
    if (!isRecord(rule)) {
      problems.push({ file, line: doc.lineOf(base), path: `spec.rules[${i}]`, message: 'expected a rule object (from, to, when)' });
      return;
    }
    const r: AppRule = {
      kind: 'istio',
      at: { file, line: doc.lineOf(base), name: `${name} rules[${i}]` },
      action: action === 'DENY' ? 'revoke' : 'allow',
      direction: 'ingress',
      target,
      peers: [],
      anywhere: false,
      protocol: 'tcp',
      ports: [],
      notEnforceable: [],
      unknown: [],
      blockers: [],
    };
    if (action === 'CUSTOM') r.blockers.push({ line: doc.lineOf(['spec', 'action']), message: 'action CUSTOM is decided by an external authorizer at run time; a network rule cannot follow it' });
    readSources(rule.from, [...base, 'from'], doc, r, problems, file);
    readOperations(rule.to, [...base, 'to'], doc, r, problems, file);
    asArray(rule.when).forEach((w, j) => {
      const key = isRecord(w) && typeof w.key === 'string' ? w.key : '?';
      r.notEnforceable.push({ line: doc.lineOf([...base, 'when', j]), message: `condition on ${key} (request attributes are not visible to a network firewall)` });
    });
    out.push(r);
  });
  return { rules: out, notes, problems };
}

function readSources(from: unknown, path: (string | number)[], doc: YamlDoc, r: AppRule, problems: ReadProblem[], file: string): void {
  const entries = asArray(from);
  if (!entries.length) {
    r.anywhere = true;
    return;
  }
  entries.forEach((entry, k) => {
    const sourcePath = [...path, k, 'source'];
    const source = isRecord(entry) && isRecord(entry.source) ? entry.source : undefined;
    if (!source) {
      problems.push({ file, line: doc.lineOf([...path, k]), path: pathText([...path, k]), message: 'expected { source: { ... } }' });
      return;
    }
    const line = doc.lineOf(sourcePath);
    // Fields of one source are ANDed: the addresses are the narrowest form given; the others narrow further.
    const blocks = [...stringList(source.ipBlocks), ...stringList(source.remoteIpBlocks)];
    for (const text of blocks) {
      const parsed = tryParseCidr(text, { hostBits: 'reject' });
      if (parsed.ok) r.peers.push({ cidr: text, line });
      else problems.push({ file, line, path: pathText(sourcePath), message: `"${text}" is not an IP address or CIDR (${parsed.error})` });
    }
    if (stringList(source.remoteIpBlocks).length) {
      r.notEnforceable.push({ line, message: 'remoteIpBlocks come from X-Forwarded-For or the proxy protocol; the network firewall sees the proxy address' });
    }
    const principals = stringList(source.principals);
    const namespaces = stringList(source.namespaces);
    const identities: Endpoint[] = principals.length
      ? principals.map((value) => ({ identity: { kind: 'principal', value }, line }))
      : namespaces.map((value) => ({ identity: { kind: 'namespace', value }, line }));
    if (!blocks.length) r.peers.push(...identities);
    if (!blocks.length && !identities.length) r.anywhere = true;
    if (principals.length && namespaces.length) r.notEnforceable.push({ line, message: 'namespaces narrow the principals further; the firewall rule uses the principals\' tiers' });
    for (const field of ['requestPrincipals', 'notRequestPrincipals']) {
      if (source[field] !== undefined) r.notEnforceable.push({ line, message: `${field} (JWT identities are not visible to a network firewall)` });
    }
    for (const field of ['notIpBlocks', 'notRemoteIpBlocks', 'notPrincipals', 'notNamespaces']) {
      if (source[field] !== undefined) {
        r.blockers.push({ line, message: `${field}: an allow rule cannot express "every source except ${stringList(source[field]).join(', ')}"` });
      }
    }
  });
}

function readOperations(to: unknown, path: (string | number)[], doc: YamlDoc, r: AppRule, problems: ReadProblem[], file: string): void {
  const entries = asArray(to);
  let everyPort = entries.length === 0;
  entries.forEach((entry, k) => {
    const opPath = [...path, k, 'operation'];
    const op = isRecord(entry) && isRecord(entry.operation) ? entry.operation : undefined;
    if (!op) {
      problems.push({ file, line: doc.lineOf([...path, k]), path: pathText([...path, k]), message: 'expected { operation: { ... } }' });
      return;
    }
    const line = doc.lineOf(opPath);
    const ports = stringList(op.ports);
    if (!ports.length) everyPort = true;
    ports.forEach((text, p) => {
      const port = Number(text);
      if (!/^\d{1,5}$/.test(text) || port > 65535) {
        problems.push({ file, line: doc.lineOf([...opPath, 'ports', p]), path: pathText([...opPath, 'ports', p]), message: `"${text}" is not a port (expected "0"-"65535")` });
      } else if (!r.ports.some((x) => x.from === port)) {
        r.ports.push({ from: port, to: port });
      }
    });
    for (const field of L7_OPERATION) {
      const values = stringList(op[field]);
      if (values.length) r.notEnforceable.push({ line: doc.lineOf([...opPath, field]), message: `${field}: ${values.join(', ')} (HTTP attributes are not visible to a network firewall)` });
    }
    if (op.notPorts !== undefined) r.blockers.push({ line, message: `notPorts: an allow rule cannot express "every port except ${stringList(op.notPorts).join(', ')}"` });
  });
  if (everyPort) r.ports = [];
}

const pathText = (path: (string | number)[]): string => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
