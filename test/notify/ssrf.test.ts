/**
 * Issue 17 "bad input": a subscription URL that is not https, or that resolves to loopback, private or
 * other internal space, is refused at start outside the sandbox (no SSRF), naming the subscription
 * and the range. In-process with a fixed resolver; the process test below checks serve refuses too.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DestinationRefused, checkDestination } from '../../src/notify/ssrf.ts';
import { cleanUp, freePort, runCliToExit, tempDir } from '../support/process.ts';
import { testSecret } from '../support/sign.ts';
import { sandboxConfig } from '../process/sandbox-config.ts';
import { writeFileSync } from 'node:fs';

afterAll(cleanUp);

const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.215.14'],
  'sneaky.example.com': ['93.184.215.14', '10.1.2.3'],
  'metadata.example.com': ['169.254.169.254'],
  'v6.example.com': ['::1'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'cgnat.example.com': ['100.64.0.7'],
};
const resolve = async (host: string) => {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return [host];
  const hit = DNS[host];
  if (!hit) throw new Error('ENOTFOUND');
  return hit;
};
const check = (url: string, sandbox = false) => checkDestination('notifications.subscriptions[0] (soc)', url, { sandbox, resolve });

describe('outbound URL check (no SSRF)', () => {
  it('accepts https to a public address', async () => {
    await expect(check('https://hooks.example.com/portcullis')).resolves.toEqual(['93.184.215.14']);
  });

  it.each([
    ['http://hooks.example.com/x', /http:\/\/ is refused; expected https:\/\//],
    ['https://127.0.0.1/x', /127\.0\.0\.1, in .*loopback/i],
    ['https://sneaky.example.com/x', /resolves to 10\.1\.2\.3/],
    ['https://metadata.example.com/latest', /169\.254\.169\.254, in .*link-local/i],
    ['https://v6.example.com/', /::1/],
    ['https://mapped.example.com/', /::ffff:127\.0\.0\.1/],
    ['https://cgnat.example.com/', /100\.64\.0\.7/],
    ['https://[fd00::1]/', /fd00::1/],
    ['https://nowhere.example.com/', /does not resolve/],
  ])('refuses %s', async (url, message) => {
    const error = await check(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DestinationRefused);
    expect(String(error)).toMatch(/notifications\.subscriptions\[0\] \(soc\)/);
    expect(String(error)).toMatch(message);
  });

  it('allows plain http to loopback in the sandbox', async () => {
    await expect(check('http://127.0.0.1:9/x', true)).resolves.toEqual([]);
  });
});

describe('serve refuses to start', () => {
  it('with a subscription to a loopback address outside the sandbox', async () => {
    const dir = tempDir();
    const port = await freePort();
    const configPath = join(dir, 'portcullis.config.yaml');
    const text = `${sandboxConfig(join(dir, 'data'), port)
      .replace('sandbox: true', 'sandbox: false')
      .replace(/- sandboxValue: whsec_\S+/g, '- { env: DEMO_SECRET }')
      .replace(/\n {4}tokens:\n(?: {6}#.*\n)? {6}- sha256: \w+\n/g, '\n')}
notifications:
  subscriptions:
    - { id: soc, url: "https://127.0.0.1:8443/hook", events: [run.applied], secret: { env: SOC_SECRET } }
`;
    writeFileSync(configPath, text);
    const exit = await runCliToExit(['serve', '--config', configPath], { DEMO_SECRET: testSecret(), SOC_SECRET: testSecret() }, 25_000);
    expect(exit.code, exit.output).not.toBe(0);
    expect(exit.output).toMatch(/notifications\.subscriptions\[0\] \(soc\): 127\.0\.0\.1 resolves to 127\.0\.0\.1, in .*loopback.*no SSRF/i);
    expect(exit.output).not.toContain('portcullis listening');
  });
});
