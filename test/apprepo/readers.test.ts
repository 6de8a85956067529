/**
 * Issue 16 item 1: the readers turn an application's Istio, Kubernetes and Terraform documents into
 * rules with the file and line each came from. The documents are the shipped real examples
 * (examples/app-repo/README.md names their sources); bad-input cases start from them and break one thing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAppFile } from '../../src/apprepo/index.ts';
import type { AppRule } from '../../src/apprepo/types.ts';

const EX = join(import.meta.dirname, '../../examples/app-repo');
const FIX = join(import.meta.dirname, '../fixtures/apprepo');
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-readers-'));

function write(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

const summary = (r: AppRule) => ({
  line: r.at.line,
  action: r.action,
  direction: r.direction,
  target: r.target,
  peers: r.peers.map((p) => ('cidr' in p ? p.cidr : p.identity)),
  anywhere: r.anywhere,
  protocol: r.protocol,
  ports: r.ports,
});

describe('Istio AuthorizationPolicy', () => {
  it("reads the brief's example: frontend's principal to ai-service pods on 443, methods reported as not enforceable", () => {
    const result = readAppFile(join(EX, 'istio/ai-app-ingress-policy.yaml'), true);
    expect(result.problems).toEqual([]);
    expect(result.rules.map(summary)).toEqual([
      {
        line: 12,
        action: 'allow',
        direction: 'ingress',
        target: { kind: 'pods', namespace: 'production', labels: { app: 'ai-service' } },
        peers: [{ kind: 'principal', value: 'cluster.local/ns/default/sa/frontend' }],
        anywhere: false,
        protocol: 'tcp',
        ports: [{ from: 443, to: 443 }],
      },
    ]);
    expect(result.rules[0]?.notEnforceable).toEqual([{ line: 17, message: 'methods: GET, POST (HTTP attributes are not visible to a network firewall)' }]);
  });

  it('reads the v1 reference examples: one bad document is reported with its line and the others are still read', () => {
    const result = readAppFile(join(EX, 'istio/istio-reference-examples.yaml'), true);
    expect(result.problems).toEqual([
      { file: expect.stringContaining('istio-reference-examples.yaml'), line: 41, path: 'document 3.kind', message: expect.stringMatching(/"AuthorizaionPolicy" \(security\.istio\.io\/v1\) is not a supported kind; expected AuthorizationPolicy/) },
    ]);
    const [allow, deny, allowAll] = result.rules;
    expect(allow && summary(allow)).toMatchObject({
      line: 9,
      action: 'allow',
      peers: [
        { kind: 'principal', value: 'cluster.local/ns/default/sa/sleep' },
        { kind: 'namespace', value: 'test' },
      ],
      ports: [],
    });
    expect(allow?.notEnforceable.map((f) => f.message)).toEqual([
      'methods: GET (HTTP attributes are not visible to a network firewall)',
      'paths: /info* (HTTP attributes are not visible to a network firewall)',
      'methods: POST (HTTP attributes are not visible to a network firewall)',
      'paths: /data (HTTP attributes are not visible to a network firewall)',
      'condition on request.auth.claims[iss] (request attributes are not visible to a network firewall)',
    ]);
    expect(deny && summary(deny)).toMatchObject({ line: 33, action: 'revoke', peers: [{ kind: 'namespace', value: 'dev' }] });
    expect(allowAll && summary(allowAll)).toMatchObject({ line: 76, action: 'allow', anywhere: true, peers: [], ports: [] });
    expect(result.notes.map((n) => n.message)).toEqual(['AuthorizationPolicy ns1/anyname: AUDIT only marks requests for logging; it allows and denies nothing']);
  });

  it('refuses an unsupported API version, naming the line and the versions it reads', () => {
    const text = readFileSync(join(EX, 'istio/ai-app-ingress-policy.yaml'), 'utf8').replace('security.istio.io/v1beta1', 'security.istio.io/v1alpha1');
    const result = readAppFile(write('v1alpha1.yaml', text), true);
    expect(result.rules).toEqual([]);
    expect(result.problems).toEqual([
      { file: expect.any(String), line: 1, path: 'document 1.apiVersion', message: 'unsupported API version "security.istio.io/v1alpha1" for AuthorizationPolicy (expected security.istio.io/v1 or security.istio.io/v1beta1)' },
    ]);
  });

  it('keeps ipBlocks and remoteIpBlocks as sources and blocks approval on negations', () => {
    const text = readFileSync(join(EX, 'istio/ai-app-ingress-policy.yaml'), 'utf8').replace(
      'principals: ["cluster.local/ns/default/sa/frontend"]',
      'ipBlocks: ["203.0.113.0/24"]\n       remoteIpBlocks: ["198.51.100.7"]\n       notIpBlocks: ["203.0.113.4"]',
    );
    const [rule] = readAppFile(write('blocks.yaml', text), true).rules;
    expect(rule?.peers.map((p) => ('cidr' in p ? p.cidr : ''))).toEqual(['203.0.113.0/24', '198.51.100.7']);
    expect(rule?.blockers.map((b) => b.message)).toEqual(['notIpBlocks: an allow rule cannot express "every source except 203.0.113.4"']);
    expect(rule?.notEnforceable.map((b) => b.message)).toContain('remoteIpBlocks come from X-Forwarded-For or the proxy protocol; the network firewall sees the proxy address');
  });

  it('CUSTOM and notPorts need a person; a policy without rules allows nothing', () => {
    const brief = readFileSync(join(EX, 'istio/ai-app-ingress-policy.yaml'), 'utf8');
    const custom = readAppFile(write('custom.yaml', brief.replace('action: ALLOW', 'action: CUSTOM').replace('ports: ["443"]', 'notPorts: ["22"]')), true);
    expect(custom.rules[0]?.blockers.map((b) => b.message)).toEqual([
      'action CUSTOM is decided by an external authorizer at run time; a network rule cannot follow it',
      'notPorts: an allow rule cannot express "every port except 22"',
    ]);
    const nothing = readAppFile(write('nothing.yaml', 'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n name: allow-nothing\n namespace: foo\nspec:\n  {}\n'), true);
    expect(nothing.rules).toEqual([]);
    expect(nothing.notes.map((n) => n.message)).toEqual(['AuthorizationPolicy foo/allow-nothing: no rules, so it allows nothing (deny-all for the selected workloads)']);
  });

  it('a malformed document in a multi-document file is reported with its line; the next one is still read', () => {
    const good = readFileSync(join(EX, 'istio/ai-app-ingress-policy.yaml'), 'utf8');
    const result = readAppFile(write('multi.yaml', `${good}---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nspec: [unclosed\n---\n${good}`), true);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ line: expect.any(Number), path: 'document 2', message: expect.stringMatching(/^malformed YAML/) });
    expect(result.problems[0]?.line).toBeGreaterThanOrEqual(19);
    expect(result.rules.map((r) => r.at.line)).toEqual([12, 35]);
  });
});

describe('Kubernetes NetworkPolicy', () => {
  it("reads the documentation's policy: ipBlock except subtracted exactly, namespace and pod selectors, both directions", () => {
    const result = readAppFile(join(EX, 'kubernetes/networkpolicy.yaml'), true);
    expect(result.problems).toEqual([]);
    const [ingress, egress] = result.rules.map(summary);
    expect(ingress).toEqual({
      line: 14,
      action: 'allow',
      direction: 'ingress',
      target: { kind: 'pods', namespace: 'default', labels: { role: 'db' } },
      peers: [
        '172.17.0.0/24',
        '172.17.2.0/23',
        '172.17.4.0/22',
        '172.17.8.0/21',
        '172.17.16.0/20',
        '172.17.32.0/19',
        '172.17.64.0/18',
        '172.17.128.0/17',
        { kind: 'pods', namespaceLabels: { project: 'myproject' }, labels: {} },
        { kind: 'pods', namespace: 'default', labels: { role: 'frontend' } },
      ],
      anywhere: false,
      protocol: 'tcp',
      ports: [{ from: 6379, to: 6379 }],
    });
    expect(egress).toMatchObject({ line: 29, direction: 'egress', peers: ['10.0.0.0/24'], ports: [{ from: 5978, to: 5978 }] });
  });

  it('reads endPort ranges and the allow-all example (every source, every port and protocol)', () => {
    expect(readAppFile(join(EX, 'kubernetes/networkpolicy-multiport-egress.yaml'), true).rules.map(summary)[0]).toMatchObject({ ports: [{ from: 32000, to: 32768 }], direction: 'egress' });
    expect(readAppFile(join(EX, 'kubernetes/network-policy-allow-all-ingress.yaml'), true).rules.map(summary)).toEqual([
      { line: 10, action: 'allow', direction: 'ingress', target: { kind: 'pods', namespace: 'default', labels: {} }, peers: [], anywhere: true, protocol: 'all', ports: [] },
    ]);
  });

  it('blocks approval on a named port and on matchExpressions, with their lines', () => {
    const text = readFileSync(join(EX, 'kubernetes/networkpolicy.yaml'), 'utf8')
      .replace('port: 6379', 'port: redis')
      .replace('    - podSelector:\n        matchLabels:\n          role: frontend', "    - podSelector:\n        matchExpressions:\n        - { key: role, operator: In, values: [frontend] }");
    const [ingress] = readAppFile(write('named.yaml', text), true).rules;
    expect(ingress?.blockers).toEqual([
      { line: 22, message: 'podSelector.matchExpressions cannot be mapped to a tier by labels; use matchLabels to decide it' },
      { line: 26, message: 'named port "redis" depends on the pods\' container ports; give the number to decide it' },
    ]);
  });

  it('in a folder, other kinds are skipped with a note; named on the command line, they are an error', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n';
    const file = write('deploy.yaml', text);
    expect(readAppFile(file, false)).toMatchObject({ problems: [], notes: [{ message: 'skipped Deployment (apps/v1): not a network policy' }] });
    expect(readAppFile(file, true).problems[0]).toMatchObject({ line: 2, message: expect.stringContaining('"Deployment" (apps/v1) is not a supported kind; expected AuthorizationPolicy') });
  });
});

describe('Terraform plan JSON', () => {
  it('an update is a revoke of what goes and an allow of what comes (checkov fixture), at the line and column of the change', () => {
    const result = readAppFile(join(EX, 'terraform/checkov-change-keys.plan.json'), true);
    expect(result.problems).toEqual([]);
    expect(result.rules.map((r) => [r.at.name, r.action, r.ports, r.protocol, r.target])).toEqual([
      ['aws_security_group_rule.foo (removed)', 'revoke', [{ from: 5432, to: 5432 }], 'tcp', { kind: 'securityGroup', value: 'sg-547cc4cd5f94bb695' }],
      ['aws_security_group_rule.foo', 'allow', [{ from: 5432, to: 5433 }], 'tcp', { kind: 'securityGroup', value: 'sg-547cc4cd5f94bb695' }],
      ['aws_security_group_rule.bar (removed)', 'revoke', [{ from: 8888, to: 8888 }], 'tcp', { kind: 'securityGroup', value: 'sg-547cc4cd5f94bb696' }],
      ['aws_security_group_rule.bar', 'allow', [{ from: 8888, to: 8888 }], 'udp', { kind: 'securityGroup', value: 'sg-547cc4cd5f94bb696' }],
    ]);
    const text = readFileSync(join(EX, 'terraform/checkov-change-keys.plan.json'), 'utf8').split('\n');
    const foo = result.rules[1] as AppRule;
    expect(text[foo.at.line - 1]?.slice((foo.at.column ?? 1) - 1)).toMatch(/^\{/);
  });

  it('resolves ids unknown until apply through the configuration references (terraform-compliance fixture)', () => {
    const result = readAppFile(join(EX, 'terraform/terraform-compliance-234-egress.plan.json'), true);
    const ingress = result.rules.find((r) => r.at.name === 'aws_security_group_rule.alb_ecs_ingress');
    expect(ingress && summary(ingress)).toMatchObject({
      direction: 'ingress',
      target: { kind: 'securityGroup', address: 'aws_security_group.alb_ecs' },
      peers: [{ kind: 'securityGroup', address: 'aws_security_group.alb' }],
      ports: [{ from: 8080, to: 8080 }],
    });
    expect(ingress?.unknown).toEqual([]);
    const self = result.rules.find((r) => r.at.name === 'aws_security_group_rule.alb_ingress_self');
    expect(self?.peers).toEqual([{ identity: { kind: 'securityGroup', address: 'aws_security_group.alb' }, line: 1 }]);
  });

  it('reports a value unknown until apply instead of guessing it', () => {
    const plan = JSON.parse(readFileSync(join(EX, 'terraform/terraform-compliance-234-egress.plan.json'), 'utf8'));
    plan.configuration.root_module.resources = [];
    const result = readAppFile(write('unknown.json', JSON.stringify(plan, null, 2)), true);
    const ingress = result.rules.find((r) => r.at.name === 'aws_security_group_rule.alb_ecs_ingress');
    expect(ingress?.target).toBeUndefined();
    expect(ingress?.unknown.map((u) => u.message)).toEqual([
      'security_group_id is known only after apply and no configuration reference names its group',
      'source_security_group_id is known only after apply',
    ]);
  });

  it('reads inline aws_security_group ingress and Azure rules (terraform-compliance fixtures)', () => {
    const sgr = readAppFile(join(EX, 'terraform/terraform-compliance-sgr.plan.json'), true);
    expect(sgr.rules.map((r) => [r.at.name, r.anywhere, r.ports, r.target])).toEqual([
      ['aws_security_group.allow_tls ingress[0]', true, [{ from: 1, to: 3000 }], { kind: 'securityGroup', address: 'aws_security_group.allow_tls' }],
      ['aws_security_group_rule.allow_all', true, [], { kind: 'securityGroup', value: 'sg-123456' }],
    ]);
    const azure = readAppFile(join(EX, 'terraform/terraform-compliance-294-azure.plan.json'), true);
    expect(azure.rules.map((r) => [r.at.name, r.direction, r.anywhere, r.ports, r.target])).toEqual([
      ['module.linuxservers-fail.azurerm_network_security_rule.vm', 'ingress', true, [{ from: 22, to: 22 }], { kind: 'nsg', value: 'myvm-nsg' }],
      ['module.windowsservers-pass.azurerm_network_security_rule.vm', 'ingress', true, [{ from: 3389, to: 3389 }], { kind: 'nsg', value: 'mywinvm-nsg' }],
    ]);
    const deny = readAppFile(join(EX, 'terraform/checkov-azure-resource-reference.plan.json'), true);
    expect(deny.rules).toEqual([]);
    expect(deny.notes.map((n) => n.message)).toEqual(['azurerm_network_security_rule.pass: a Deny rule only narrows access; nothing to request']);
  });

  it('reads google_compute_firewall (checkov fixture): one rule per allow block, egress to its destination ranges', () => {
    const gcp = readAppFile(join(EX, 'terraform/checkov-gcp-firewall.plan.json'), true);
    expect(gcp.rules.map((r) => [r.direction, r.ports, r.anywhere, r.target])).toEqual([
      ['egress', [{ from: 443, to: 443 }], true, { kind: 'network', value: 'achia_test-peered-wss-network' }],
      ['egress', [{ from: 80, to: 80 }, { from: 443, to: 443 }], true, { kind: 'network', value: 'achia_test-peered-wss-network' }],
      ['egress', [], true, { kind: 'network', value: 'achia_test-peered-wss-network' }],
      ['egress', [{ from: 80, to: 80 }, { from: 443, to: 443 }, { from: 3600, to: 3600 }], true, { kind: 'network', value: 'achia_test-peered-wss-network' }],
    ]);
  });

  // No public plan with these two shapes was found in the policy tools' suites: the cases below are the
  // real sgr fixture with its change turned into a delete, and an aws_vpc_security_group_ingress_rule in
  // the provider's documented attribute shape. Said so in examples/app-repo/README.md.
  it('a delete is a revoke of what the rule held', () => {
    const plan = JSON.parse(readFileSync(join(EX, 'terraform/terraform-compliance-sgr.plan.json'), 'utf8'));
    for (const c of plan.resource_changes) c.change = { actions: ['delete'], before: c.change.after, after: null, after_unknown: {}, before_sensitive: {}, after_sensitive: false };
    const result = readAppFile(write('delete.json', JSON.stringify(plan)), true);
    expect(result.rules.map((r) => [r.at.name, r.action])).toEqual([
      ['aws_security_group.allow_tls ingress[0] (removed)', 'revoke'],
      ['aws_security_group_rule.allow_all (removed)', 'revoke'],
    ]);
  });

  it('reads aws_vpc_security_group_ingress_rule', () => {
    const plan = JSON.parse(readFileSync(join(EX, 'terraform/terraform-compliance-sgr.plan.json'), 'utf8'));
    plan.resource_changes = [
      {
        address: 'aws_vpc_security_group_ingress_rule.https',
        type: 'aws_vpc_security_group_ingress_rule',
        name: 'https',
        provider_name: 'registry.terraform.io/hashicorp/aws',
        change: { actions: ['create'], before: null, after: { security_group_id: 'sg-123456', ip_protocol: 'tcp', from_port: 443, to_port: 443, cidr_ipv4: '10.0.1.0/24', cidr_ipv6: null }, after_unknown: { id: true, arn: true } },
      },
    ];
    const [rule] = readAppFile(write('vpc-rule.json', JSON.stringify(plan)), true).rules;
    expect(rule && summary(rule)).toMatchObject({ action: 'allow', direction: 'ingress', target: { kind: 'securityGroup', value: 'sg-123456' }, peers: ['10.0.1.0/24'], ports: [{ from: 443, to: 443 }] });
  });

  it('a plan of another provider is named with its line and what was expected (conftest fixture)', () => {
    const result = readAppFile(join(FIX, 'conftest-gke-show.plan.json'), true);
    expect(result.rules).toEqual([]);
    expect(result.problems).toEqual([
      {
        file: expect.any(String),
        line: 1,
        path: 'resource_changes',
        message: expect.stringMatching(/^no firewall resource this reads \(the plan's providers: google\); expected aws_security_group, .*google_compute_firewall/),
      },
    ]);
  });

  it('malformed JSON names the line', () => {
    const text = readFileSync(join(EX, 'terraform/checkov-change-keys.plan.json'), 'utf8');
    const lines = text.split('\n');
    lines[40] = `${lines[40]},,`;
    const result = readAppFile(write('broken.json', lines.join('\n')), true);
    expect(result.problems).toEqual([{ file: expect.any(String), line: 41, path: '', message: expect.stringMatching(/^malformed JSON: \w+ \(expected AuthorizationPolicy/) }]);
  });
});

describe('firewall resources nobody decides are named', () => {
  it('a firewall-like resource of a type this does not read is noted with its line (and the rest is still read)', () => {
    const plan = JSON.parse(readFileSync(join(EX, 'terraform/terraform-compliance-sgr.plan.json'), 'utf8'));
    plan.resource_changes.push({ address: 'aws_network_acl_rule.ssh', type: 'aws_network_acl_rule', name: 'ssh', change: { actions: ['create'], before: null, after: { rule_action: 'allow' }, after_unknown: {} } });
    const result = readAppFile(write('nacl.json', JSON.stringify(plan, null, 1)), true);
    expect(result.rules).toHaveLength(2);
    expect(result.notes).toEqual([{ line: expect.any(Number), message: 'not read: aws_network_acl_rule (aws_network_acl_rule.ssh) is a firewall resource portcullis does not decide; review it by hand' }]);
    expect(result.notes[0]?.line).toBeGreaterThan(1);
  });
});
