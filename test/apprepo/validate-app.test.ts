/**
 * Issue 16 items 2 and 3: `portcullis validate --app` decides the application's rules with the repo's
 * Cedar policies (the same engine the service runs), prints where each rule came from and which policy
 * decided, and writes SARIF 2.1.0 (checked against the official OASIS schema), JUnit XML and Markdown.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as ajvDraft04 from 'ajv-draft-04';
import * as ajvFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/validate.ts';

// CommonJS packages seen from ESM under NodeNext: the class and the plugin are the `default` of module.exports.
const Ajv = ajvDraft04.default.default;
const addFormats = ajvFormats.default.default;
const ROOT = join(import.meta.dirname, '../..');
const EX = join(ROOT, 'examples/app-repo');
const CONFIG = join(EX, 'portcullis.config.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-validate-app-'));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await validateCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface DecisionJson {
  file: string;
  line: number;
  name: string;
  decision: string;
  reasons: string[];
  policies: { id: string; effect: string; file: string; line: number }[];
  runs: { request: { inputs: Record<string, unknown> } }[];
  current?: { relation: string; rules: string[] }[];
}
const decisionsOf = (out: string): DecisionJson[] => (JSON.parse(out) as { app: { decisions: DecisionJson[] } }).app.decisions;

describe('decisions with the service policies', () => {
  it("approves the brief's Istio example by the web-ports permit, naming file, line and policy (exit 0)", async () => {
    const file = join(EX, 'istio/ai-app-ingress-policy.yaml');
    const text = await run(ROOT, '--config', CONFIG, '--app', file);
    expect(text.code, text.out).toBe(0);
    expect(text.out).toContain(`rule ${relative(process.cwd(), file)}:12 AuthorizationPolicy production/ai-app-ingress-policy rules[0]: approve`);
    expect(text.out).toMatch(/ {2}allow tcp\/443 from web to api\n {2}decided by permit web-ports-to-known-tier \(playbooks\/policies\/auto-approve-standard\.cedar:6\)/);
    expect(text.out).toContain('not enforceable by a network firewall (line 17): methods: GET, POST');
    const [d] = decisionsOf((await run(ROOT, '--config', CONFIG, '--app', file, '--format', 'json')).out);
    expect(d).toMatchObject({ line: 12, decision: 'approve', policies: [{ id: 'web-ports-to-known-tier', effect: 'permit', line: 6 }] });
    expect(d?.runs.map((r) => r.request.inputs)).toEqual([
      { from: ['web'], to: 'api', protocol: 'tcp', port: '443', reason: `AuthorizationPolicy production/ai-app-ingress-policy rules[0] (${relative(process.cwd(), file)}:12)` },
    ]);
  });

  it('an identity with no mapping needs approval with that reason (exit 3)', async () => {
    const file = join(tmp, 'unmapped.yaml');
    writeFileSync(file, readFileSync(join(EX, 'istio/ai-app-ingress-policy.yaml'), 'utf8').replace('sa/frontend', 'sa/checkout'));
    const result = await run(ROOT, '--config', CONFIG, '--app', file, '--format', 'json');
    expect(result.code).toBe(3);
    const [d] = decisionsOf(result.out);
    expect(d?.decision).toBe('needs_approval');
    expect(d?.reasons).toEqual(['no identity mapping for principal cluster.local/ns/default/sa/checkout (add it to identities: in the config) (line 14)']);
  });

  it('denies SSH from the internet in a Terraform plan by the forbid, even where the target is unmapped (exit 4)', async () => {
    const result = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'terraform/terraform-compliance-294-azure.plan.json'), '--app', join(EX, 'terraform/terraform-compliance-sgr.plan.json'), '--format', 'json');
    expect(result.code).toBe(4);
    const byName = Object.fromEntries(decisionsOf(result.out).map((d) => [d.name, d]));
    expect(byName['module.linuxservers-fail.azurerm_network_security_rule.vm']).toMatchObject({ decision: 'deny', policies: [{ id: 'deny-internet-admin-ports', effect: 'forbid' }] });
    expect(byName['aws_security_group.allow_tls ingress[0]']?.decision).toBe('deny');
    expect(byName['aws_security_group.allow_tls ingress[0]']?.reasons).toContain('denied whatever tier the unmapped target is');
  });

  it('a NetworkPolicy egress rule needs a person (portcullis opens ingress only)', async () => {
    const result = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'kubernetes/networkpolicy-multiport-egress.yaml'), '--format', 'json');
    expect(result.code).toBe(3);
    expect(decisionsOf(result.out)[0]?.reasons).toEqual(['egress: portcullis allow playbooks open ingress into a tier; an egress rule is reviewed by a person']);
  });

  it('a bad document makes the run invalid (exit 1) and the other documents are still decided', async () => {
    const result = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'istio/istio-reference-examples.yaml'), '--format', 'json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out);
    expect(report.outcome).toBe('invalid');
    expect(report.app.problems).toEqual([expect.objectContaining({ line: 41, path: 'document 3.kind' })]);
    expect(report.app.decisions.map((d: DecisionJson) => [d.line, d.decision])).toEqual([
      [9, 'needs_approval'],
      [33, 'needs_approval'],
      [76, 'deny'],
    ]);
  });

  it('the config refuses an identity mapped to an undeclared tier, naming the line', async () => {
    const config = join(tmp, 'bad-identity.yaml');
    writeFileSync(config, readFileSync(CONFIG, 'utf8').replace('{ principal: cluster.local/ns/default/sa/frontend, tier: web }', '{ principal: cluster.local/ns/default/sa/frontend, tier: webb }'));
    const result = await run(ROOT, '--config', config, '--app', join(EX, 'istio/ai-app-ingress-policy.yaml'));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/bad-identity\.yaml:\d+ identities\[0\]\.tier: unknown tier "webb"/);
  });
});

describe('compared with the current rules (--rules)', () => {
  it('says already allowed and redundant with, naming the current rules', async () => {
    const rules = join(tmp, 'current.json');
    const sg = { direction: 'ingress', action: 'allow', protocol: 'tcp', priority: 0, placement: 'sg', owned: false };
    writeFileSync(
      rules,
      JSON.stringify([
        { ...sg, cloudId: 'sgr-web-443', ports: [{ from: 443, to: 443 }], cidrs: ['10.0.1.0/24'] },
        { ...sg, cloudId: 'sgr-wide', ports: [{ from: 8000, to: 8100 }], cidrs: ['10.0.0.0/16'] },
      ]),
    );
    const result = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'istio/ai-app-ingress-policy.yaml'), '--app', join(EX, 'terraform/terraform-compliance-234-egress.plan.json'), '--rules', rules, '--format', 'json');
    const byName = Object.fromEntries(decisionsOf(result.out).map((d) => [d.name, d]));
    expect(byName['AuthorizationPolicy production/ai-app-ingress-policy rules[0]']?.current).toEqual([{ relation: 'already_allowed', rules: ['sg sgr-web-443 (ingress allow tcp 443 from 10.0.1.0/24)'], message: expect.any(String) }]);
    expect(byName['aws_security_group_rule.alb_ecs_ingress']?.current?.[0]).toMatchObject({ relation: 'redundant_with', rules: ['sg sgr-wide (ingress allow tcp 8000-8100 from 10.0.0.0/16)'] });
    const text = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'istio/ai-app-ingress-policy.yaml'), '--rules', rules);
    expect(text.out).toContain('  current rules: already allowed sg sgr-web-443 (ingress allow tcp 443 from 10.0.1.0/24)');
  });

  it('says shadowed by when an Azure deny evaluated first covers the proposed allow', async () => {
    const rules = join(tmp, 'current-nsg.json');
    writeFileSync(
      rules,
      JSON.stringify([{ direction: 'ingress', action: 'deny', protocol: 'tcp', priority: 100, placement: 'nsg', owned: false, cloudId: 'deny-web', ports: [{ from: 443, to: 443 }], cidrs: ['10.0.0.0/8'] }]),
    );
    const result = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'istio/ai-app-ingress-policy.yaml'), '--rules', rules, '--format', 'json');
    expect(decisionsOf(result.out)[0]?.current).toEqual([{ relation: 'shadowed_by', rules: ['nsg deny-web prio 100 (ingress deny tcp 443 from 10.0.0.0/8)'], message: expect.any(String) }]);
  });
});

describe('CI outputs', () => {
  const outputs = async () => {
    const sarif = join(tmp, 'out.sarif');
    const junit = join(tmp, 'out.xml');
    const markdown = join(tmp, 'out.md');
    const result = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'istio'), '--app', join(EX, 'kubernetes'), '--app', join(EX, 'terraform'), '--sarif', sarif, '--junit', junit, '--markdown', markdown);
    return { result, sarif: JSON.parse(readFileSync(sarif, 'utf8')), junit: readFileSync(junit, 'utf8'), markdown: readFileSync(markdown, 'utf8') };
  };

  it('SARIF is valid against the official SARIF 2.1.0 schema and locates each result in its source file', async () => {
    // test/fixtures/sarif/README.md: the OASIS schema file, as committed in oasis-tcs/sarif-spec.
    const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const { sarif } = await outputs();
    const valid = validate(sarif);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5))).toEqual([]);
    expect(valid).toBe(true);
    const results = sarif.runs[0].results as { ruleId: string; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn?: number } } }[] }[];
    const brief = results.find((r) => r.message.text.startsWith('AuthorizationPolicy production/ai-app-ingress-policy rules[0]: allow'));
    expect(brief).toMatchObject({ ruleId: 'approve', level: 'note' });
    expect(brief?.locations[0]?.physicalLocation).toEqual({ artifactLocation: { uri: relative(process.cwd(), join(EX, 'istio/ai-app-ingress-policy.yaml')), uriBaseId: '%SRCROOT%' }, region: { startLine: 12 } });
    const ssh = results.find((r) => r.message.text.startsWith('module.linuxservers-fail.azurerm_network_security_rule.vm'));
    expect(ssh).toMatchObject({ ruleId: 'deny', level: 'error' });
    expect(ssh?.locations[0]?.physicalLocation.region.startColumn).toBeGreaterThan(1);
    expect(results.filter((r) => r.ruleId === 'not-enforceable').length).toBeGreaterThan(0);
    expect(results.find((r) => r.ruleId === 'invalid-input')?.locations[0]?.physicalLocation.region.startLine).toBe(41);
  });

  it('a SARIF that breaks the schema is caught (the check can fail)', async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const { sarif } = await outputs();
    sarif.runs[0].results[0].level = 'fatal';
    expect(ajv.compile(schema)(sarif)).toBe(false);
  });

  it('JUnit XML is well-formed: deny is a failure, invalid an error, needs approval skipped', async () => {
    const { junit, result } = await outputs();
    expect(result.code).toBe(1);
    expect(XMLValidator.validate(junit)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit);
    const suites = [doc.testsuites.testsuite].flat() as { name: string; tests: string; failures: string; errors: string; skipped: string; testcase: unknown }[];
    const brief = suites.find((s) => s.name.endsWith('ai-app-ingress-policy.yaml'));
    expect(brief).toMatchObject({ tests: '1', failures: '0', errors: '0', skipped: '0' });
    const istioDocs = suites.find((s) => s.name.endsWith('istio-reference-examples.yaml'));
    expect(istioDocs).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '2' });
    expect(Number(doc.testsuites.failures)).toBe(suites.reduce((n, s) => n + Number(s.failures), 0));
  });

  it('Markdown is a table of decisions with the source location for the pull request', async () => {
    const { markdown } = await outputs();
    expect(markdown).toMatch(/^### portcullis validate: invalid \(exit 1\)\n/);
    expect(markdown).toContain(`| ✅ approve | AuthorizationPolicy production/ai-app-ingress-policy rules[0] | \`${relative(process.cwd(), join(EX, 'istio/ai-app-ingress-policy.yaml'))}:12\` | allow tcp/443 from web to api: approve by permit web-ports-to-known-tier<br>HTTP/HTTPS (tcp 80 or 443) into a known tier is a standard change |`);
    expect(markdown).toMatch(/\| ⛔ deny \| module\.linuxservers-fail\.azurerm_network_security_rule\.vm \|/);
  });

  it('--format sarif prints SARIF on stdout; an unknown format is a usage error (exit 2)', async () => {
    const printed = await run(ROOT, '--config', CONFIG, '--app', join(EX, 'istio/ai-app-ingress-policy.yaml'), '--format', 'sarif');
    expect(JSON.parse(printed.out).version).toBe('2.1.0');
    expect((await run(ROOT, '--app', join(EX, 'istio'), '--format', 'xml')).code).toBe(2);
  });
});
