/**
 * `portcullis validate`: lints playbooks and policies and decides change requests offline.
 * Exit 0 approve, 1 invalid, 2 usage, 3 needs approval, 4 deny; --format json for machines.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/validate.ts';

const MAIN = join(import.meta.dirname, '../..');
const CONFIG = `clients:
  - { id: ci, scopes: [allow], secrets: [{ env: CI_SECRET }] }
tiers:
  web: { cidrs: [10.0.1.0/24] }
  api: {}
connectors:
  - id: aws-prod
    type: aws-ec2
    simulator: true
    region: us-east-1
    credentials: { source: simulator }
    targets:
      - { id: edge, vpcId: vpc-0a1b2c3d4e5f60001, networkAclId: acl-0a1b2c3d4e5f60001, securityGroupId: sg-0a1b2c3d4e5f60001, ruleNumberBand: { from: 100, to: 199 } }
`;
let repo: string;

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await validateCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function request(name: string, text: string): string {
  const file = join(repo, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'portcullis-app-repo-'));
  mkdirSync(join(repo, 'playbooks'));
  cpSync(join(MAIN, 'playbooks/policies'), join(repo, 'playbooks/policies'), { recursive: true });
  writeFileSync(
    join(repo, 'playbooks/allow-ingress.yaml'),
    'name: allow-ingress\ndescription: open a port\naction: allow\napproval: policy\ntargets:\n  - { connector: aws-prod, target: "*" }\n',
  );
  writeFileSync(join(repo, 'portcullis.config.yaml'), CONFIG);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('decisions', () => {
  it('exits 0 and names the permit for a standard web port', async () => {
    const file = request('web.yaml', 'playbook: allow-ingress\ninputs: { from: web, to: api, port: 443 }\n');
    const { code, out } = await run(repo, '--request', file);
    expect(code).toBe(0);
    expect(out).toMatch(/web\.yaml: approve\n {2}decided by permit web-ports-to-known-tier \(.*auto-approve-standard\.cedar:\d+\)/);
  });

  it('exits 3 when the request needs a second person', async () => {
    const file = request('ssh-internal.json', JSON.stringify({ playbook: 'allow-ingress', inputs: { from: ['10.0.0.0/8'], to: 'api', port: 22 } }));
    const { code, out } = await run(repo, '--request', file);
    expect(code).toBe(3);
    expect(out).toContain('needs_approval');
  });

  it('exits 4 with the forbid and its reason, and prints JSON for machines', async () => {
    const file = request('ssh.yaml', 'playbook: allow-ingress\ninputs:\n  from: 0.0.0.0/0\n  to: api\n  port: 22\n');
    const text = await run(repo, '--request', file);
    expect(text.code).toBe(4);
    expect(text.out).toContain('decided by forbid deny-internet-admin-ports');
    const json = await run(repo, '--request', file, '--format', 'json');
    expect(json.code).toBe(4);
    const report = JSON.parse(json.out);
    expect(report.outcome).toBe('deny');
    expect(report.requests[0].policies[0]).toMatchObject({ id: 'deny-internet-admin-ports', effect: 'forbid' });
  });

  it('takes the worst of several requests', async () => {
    const ok = request('ok.yaml', 'playbook: allow-ingress\ninputs: { from: web, to: api, port: 443 }\n');
    const bad = request('ssh2.yaml', 'playbook: allow-ingress\ninputs: { from: 0.0.0.0/0, to: api, port: 3389 }\n');
    expect((await run(repo, '--request', ok, '--request', bad)).code).toBe(4);
  });
});

describe('invalid input exits 1, naming what is wrong', () => {
  it('an unknown tier', async () => {
    const file = request('tier.yaml', 'playbook: allow-ingress\ninputs: { from: web, to: payments, port: 443 }\n');
    const { code, out } = await run(repo, '--request', file);
    expect(code).toBe(1);
    expect(out).toContain('inputs.to: unknown tier "payments" (known tiers: web, api)');
  });

  it('a malformed change request: bad port, unknown key, unknown playbook (with lines)', async () => {
    const file = request('bad.yaml', 'playbook: allow-ingress\ninputs:\n  from: web\n  to: api\n  port: 70000\n  colour: red\n');
    const { code, out } = await run(repo, '--request', file);
    expect(code).toBe(1);
    expect(out).toMatch(/bad\.yaml:5 inputs\.port/);
    expect(out).toMatch(/colour/);
    const other = request('nope.yaml', 'playbook: block-ip\ninputs: { from: web, to: api }\n');
    expect((await run(repo, '--request', other)).out).toContain('"block-ip" is not an allow or revoke playbook here (have: allow-ingress)');
  });

  it('a policy file with a syntax error, even without a request', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'portcullis-broken-'));
    cpSync(repo, broken, { recursive: true });
    writeFileSync(join(broken, 'playbooks/policies/oops.cedar'), '@id("oops")\nforbid (principal, action, resource) when { context.portFrom == };\n');
    const { code, out } = await run(broken);
    rmSync(broken, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(out).toMatch(/policies: INVALID/);
    expect(out).toMatch(/oops\.cedar:2/);
  });

  it('a playbook that does not lint', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'portcullis-broken-'));
    cpSync(repo, broken, { recursive: true });
    writeFileSync(join(broken, 'playbooks/block.yaml'), 'name: block\ndescription: x\naction: block\ntargets: []\n');
    const { code, out } = await run(broken);
    rmSync(broken, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(out).toMatch(/block\.yaml:4 targets: at least one target/);
  });
});

describe('lint only and usage', () => {
  it('exits 0 for a clean repo with no request', async () => {
    const { code, out } = await run(repo);
    expect(code).toBe(0);
    expect(out).toMatch(/playbooks: ok \(1 in .*\)\npolicies: ok \(5 in .*\)\nresult: ok \(exit 0\)/);
  });

  it('exits 2 on a bad option or a missing directory', async () => {
    expect((await run(repo, '--format', 'xml')).code).toBe(2);
    expect((await run(join(repo, 'missing'))).code).toBe(2);
    expect((await run('--bogus')).code).toBe(2);
  });
});
