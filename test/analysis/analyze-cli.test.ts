/** `portcullis analyze --rules F`: findings from a JSON file of rules; bad input exits 1, usage 2. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/analyze.ts';
import { rule } from './rules.ts';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, body: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await analyzeCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('analyze --rules', () => {
  const rules = [
    rule({ cloudId: 'd1', priority: 100, action: 'deny', cidrs: ['10.0.0.0/25'] }),
    rule({ cloudId: 'd2', priority: 110, action: 'deny', cidrs: ['10.0.0.128/25'] }),
    rule({ cloudId: 'a', priority: 200, cidrs: ['10.0.0.0/24'] }),
  ];

  it('prints findings with severity and fix, and JSON for machines', async () => {
    const path = file('rules.json', { rules });
    const text = await run('--rules', path);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/\[high\] shadowed: firewall a prio 200/);
    expect(text.out).toMatch(/fix \(reorder\)/);
    const json = JSON.parse((await run('--rules', path, '--format', 'json')).out);
    expect(json.summary.shadowed).toBe(1);
  });

  it('exits 3 with --fail-on when a finding is that severe', async () => {
    expect((await run('--rules', file('r2.json', rules), '--fail-on', 'high')).code).toBe(3);
    expect((await run('--rules', file('r3.json', rules), '--fail-on', 'critical')).code).toBe(0);
  });

  it('exits 1 naming the bad rule field, and 2 on usage errors', async () => {
    const bad = await run('--rules', file('bad.json', [{ ...rules[0], cidrs: ['10.0.0/8'] }]));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/0\.cidrs\.0: an IPv4\/IPv6 CIDR/);
    expect((await run('--rules', file('notjson.json', '{'))).code).toBe(1);
    expect((await run()).code).toBe(2);
    expect((await run('--rules', 'x', '--connector', 'aws')).code).toBe(2);
  });
});
