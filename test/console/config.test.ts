/**
 * The `console:` config block: the sandbox identity provider (no password check) only in a sandbox
 * with simulated connectors, roles mapped to known scopes, sandbox accounts only with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapture } from '../cli/run.ts';

const CLIENTS = `clients:
  - id: soar
    scopes: [block, runs:read]
    secrets:
      - env: SOAR_SECRET
`;
const CONSOLE = (issuer: string) => `console:
  oidc: { issuer: ${issuer} }
  roles: { ops: [approve, runs:read] }
`;
const REAL_AWS = `connectors:
  - id: aws-prod
    type: aws-ec2
    region: eu-west-1
    credentials: { source: default }
    targets:
      - { id: edge, vpcId: vpc-0a1b2c3d4e5f60001, networkAclId: acl-0a1b2c3d4e5f60001, securityGroupId: sg-0a1b2c3d4e5f60001, ruleNumberBand: { from: 100, to: 199 } }
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-console-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(name: string, text: string) {
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, ...(await runCapture(['config', 'check', '--config', path])) };
}

describe('happy', () => {
  it('accepts a production identity provider next to real connectors', async () => {
    const { code, err } = await check('prod.yaml', `${CLIENTS}${CONSOLE('https://login.example.com/tenant/v2.0')}${REAL_AWS}`);
    expect([code, err]).toEqual([0, '']);
  });

  it('accepts the shipped sandbox config with its sandbox identity provider', async () => {
    const { code, err } = await runCapture(['config', 'check', '--config', 'portcullis.config.yaml']);
    expect([code, err]).toEqual([0, '']);
  });
});

describe('error', () => {
  it('refuses the sandbox identity provider outside a sandbox config', async () => {
    const { code, err, path } = await check('no-sandbox.yaml', `${CLIENTS}${CONSOLE('sandbox')}`);
    expect(code).toBe(1);
    expect(err).toContain(path);
    expect(err).toContain('console.oidc.issuer');
    expect(err).toContain('only for a sandbox config with simulated connectors');
  });

  it('refuses the sandbox identity provider next to a real connector, even with sandbox: true', async () => {
    const { code, err } = await check('sandbox-real.yaml', `sandbox: true\n${CLIENTS}${CONSOLE('sandbox')}${REAL_AWS}`);
    expect(code).toBe(1);
    expect(err).toContain('console.oidc.issuer');
  });

  it('refuses a role mapped to an unknown scope, naming the key', async () => {
    const { code, err } = await check('bad-scope.yaml', `${CLIENTS}console:\n  oidc: { issuer: https://login.example.com }\n  roles: { ops: [approve, root] }\n`);
    expect(code).toBe(1);
    expect(err).toContain('console.roles.ops');
  });

  it('refuses a plain-http issuer name that is not a URL, and sandbox accounts with a real issuer', async () => {
    const notUrl = await check('not-url.yaml', `${CLIENTS}console:\n  oidc: { issuer: login.example.com }\n  roles: { ops: [approve] }\n`);
    expect(notUrl.code).toBe(1);
    expect(notUrl.err).toContain('console.oidc.issuer');
    const accounts = await check(
      'accounts.yaml',
      `${CLIENTS}console:\n  oidc: { issuer: https://login.example.com }\n  roles: { ops: [approve] }\n  sandboxAccounts: [{ sub: alice, name: Alice }]\n`,
    );
    expect(accounts.code).toBe(1);
    expect(accounts.err).toContain('sandboxAccounts');
  });
});
