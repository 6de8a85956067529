import type { PortRange } from '../connectors/types.ts';
import { tryParseCidr } from '../net/cidr.ts';
import { subtractCidrs } from './cidr-except.ts';
import { type YamlDoc, asArray, isRecord, labelsOf } from './documents.ts';
import type { AppRule, Finding, IdentityRef, ReadProblem } from './types.ts';

export const NETWORK_POLICY_VERSIONS = ['networking.k8s.io/v1'];

/**
 * Reads a Kubernetes NetworkPolicy (networking.k8s.io/v1): each `ingress[i]` / `egress[i]` is one rule.
 * Peers: `ipBlock` (its `except` blocks are subtracted, so the rule stays exact), `podSelector`,
 * `namespaceSelector` (pods and namespaces by labels, mapped to tiers by the config). Ports: numbers with
 * an optional `endPort`; a named port cannot be resolved from the policy alone and blocks auto-approval.
 * `matchExpressions` selectors cannot be mapped by labels and block auto-approval too.
 */
export function readNetworkPolicy(doc: YamlDoc, file: string): { rules: AppRule[]; notes: Finding[]; problems: ReadProblem[] } {
  const data = doc.data as Record<string, unknown>;
  const meta = isRecord(data.metadata) ? data.metadata : {};
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const name = `NetworkPolicy ${namespace}/${typeof meta.name === 'string' ? meta.name : '(unnamed)'}`;
  const spec = isRecord(data.spec) ? data.spec : undefined;
  const problems: ReadProblem[] = [];
  const notes: Finding[] = [];
  if (!spec || !isRecord(spec.podSelector)) {
    problems.push({ file, line: doc.lineOf(['spec', 'podSelector']), path: 'spec.podSelector', message: 'a NetworkPolicy needs spec.podSelector (use {} for every pod in the namespace)' });
    return { rules: [], notes, problems };
  }
  const selectorBlockers = expressionBlockers(spec.podSelector, doc.lineOf(['spec', 'podSelector']), 'spec.podSelector');
  const target: IdentityRef = { kind: 'pods', namespace, labels: labelsOf(spec.podSelector.matchLabels) };
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
  const rules: AppRule[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const type = direction === 'ingress' ? 'Ingress' : 'Egress';
    const list = spec[direction];
    if (list === undefined) {
      if (types.includes(type)) notes.push({ line: doc.line, message: `${name}: no ${direction} rules, so it denies all ${direction} of the selected pods not allowed elsewhere; nothing to request` });
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push({ file, line: doc.lineOf(['spec', direction]), path: `spec.${direction}`, message: `expected a list of ${direction} rules` });
      continue;
    }
    list.forEach((entry, i) => {
      const base = ['spec', direction, i];
      if (!isRecord(entry)) {
        problems.push({ file, line: doc.lineOf(base), path: `spec.${direction}[${i}]`, message: 'expected a rule object (from/to, ports)' });
        return;
      }
      const r: AppRule = {
        kind: 'networkpolicy',
        at: { file, line: doc.lineOf(base), name: `${name} ${direction}[${i}]` },
        action: 'allow',
        direction,
        target,
        peers: [],
        anywhere: false,
        protocol: 'tcp',
        ports: [],
        notEnforceable: [],
        unknown: [],
        blockers: [...selectorBlockers],
      };
      readPeers(entry[direction === 'ingress' ? 'from' : 'to'], [...base, direction === 'ingress' ? 'from' : 'to'], namespace, doc, r, problems, file);
      readPorts(entry.ports, [...base, 'ports'], doc, r, problems, file);
      rules.push(r);
    });
  }
  return { rules, notes, problems };
}

function readPeers(peers: unknown, path: (string | number)[], namespace: string, doc: YamlDoc, r: AppRule, problems: ReadProblem[], file: string): void {
  const list = asArray(peers);
  if (!list.length) {
    r.anywhere = true;
    return;
  }
  list.forEach((peer, k) => {
    const line = doc.lineOf([...path, k]);
    if (!isRecord(peer)) {
      problems.push({ file, line, path: pathText([...path, k]), message: 'expected a peer (ipBlock, podSelector, namespaceSelector)' });
      return;
    }
    if (isRecord(peer.ipBlock)) {
      const cidr = String(peer.ipBlock.cidr ?? '');
      const parsed = tryParseCidr(cidr);
      if (!parsed.ok) {
        problems.push({ file, line: doc.lineOf([...path, k, 'ipBlock', 'cidr']), path: pathText([...path, k, 'ipBlock', 'cidr']), message: `"${cidr}" is not a CIDR (${parsed.error})` });
        return;
      }
      const except = asArray(peer.ipBlock.except).map(String);
      const bad = except.find((e) => !tryParseCidr(e).ok);
      if (bad !== undefined) {
        problems.push({ file, line: doc.lineOf([...path, k, 'ipBlock', 'except']), path: pathText([...path, k, 'ipBlock', 'except']), message: `"${bad}" is not a CIDR` });
        return;
      }
      for (const block of subtractCidrs(cidr, except)) r.peers.push({ cidr: block, line });
      return;
    }
    const pods = isRecord(peer.podSelector) ? peer.podSelector : undefined;
    const namespaces = isRecord(peer.namespaceSelector) ? peer.namespaceSelector : undefined;
    if (!pods && !namespaces) {
      problems.push({ file, line, path: pathText([...path, k]), message: 'expected ipBlock, podSelector or namespaceSelector' });
      return;
    }
    if (pods) r.blockers.push(...expressionBlockers(pods, line, 'podSelector'));
    if (namespaces) r.blockers.push(...expressionBlockers(namespaces, line, 'namespaceSelector'));
    // A podSelector alone means pods of the policy's own namespace; with a namespaceSelector, pods in those namespaces.
    const identity: IdentityRef = {
      kind: 'pods',
      ...(namespaces ? { namespaceLabels: labelsOf(namespaces.matchLabels) } : { namespace }),
      labels: labelsOf(pods?.matchLabels),
    };
    r.peers.push({ identity, line });
  });
}

function readPorts(ports: unknown, path: (string | number)[], doc: YamlDoc, r: AppRule, problems: ReadProblem[], file: string): void {
  const list = asArray(ports);
  const protocols = new Set<string>();
  const ranges: PortRange[] = [];
  let everyPort = list.length === 0;
  list.forEach((p, k) => {
    const line = doc.lineOf([...path, k]);
    if (!isRecord(p)) {
      problems.push({ file, line, path: pathText([...path, k]), message: 'expected { protocol, port, endPort }' });
      return;
    }
    const protocol = String(p.protocol ?? 'TCP').toUpperCase();
    if (protocol === 'SCTP') r.blockers.push({ line, message: 'protocol SCTP: the cloud firewalls portcullis drives open tcp, udp or icmp' });
    else if (protocol !== 'TCP' && protocol !== 'UDP') {
      problems.push({ file, line, path: pathText([...path, k, 'protocol']), message: `"${protocol}" is not a protocol (expected TCP, UDP or SCTP)` });
      return;
    }
    protocols.add(protocol === 'UDP' ? 'udp' : 'tcp');
    if (p.port === undefined) {
      everyPort = true;
      return;
    }
    if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) {
      r.blockers.push({ line, message: `named port "${p.port}" depends on the pods' container ports; give the number to decide it` });
      return;
    }
    const from = Number(p.port);
    const to = p.endPort === undefined ? from : Number(p.endPort);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || to < from) {
      problems.push({ file, line, path: pathText([...path, k]), message: 'expected port 1-65535 and endPort >= port' });
      return;
    }
    ranges.push({ from, to });
  });
  if (protocols.size > 1) r.blockers.push({ line: doc.lineOf(path), message: 'one rule mixes TCP and UDP ports; split it into one rule per protocol to decide it' });
  r.protocol = protocols.has('udp') && protocols.size === 1 ? 'udp' : 'tcp';
  r.ports = everyPort ? [] : ranges;
  if (!list.length) r.protocol = 'all';
}

function expressionBlockers(selector: Record<string, unknown>, line: number, where: string): Finding[] {
  return asArray(selector.matchExpressions).length
    ? [{ line, message: `${where}.matchExpressions cannot be mapped to a tier by labels; use matchLabels to decide it` }]
    : [];
}

const pathText = (path: (string | number)[]): string => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
