/**
 * Issue 9 item 22: every registered subcommand answers --help/-h with its usage (exit 0, nothing done),
 * an unknown flag or a flag without its value with one line (exit 2); --version and the bare groups
 * (`audit`, `keys`, `config`) answer instead of "unknown command". New commands are covered by
 * registering them in src/cli/main.ts.
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/cli/main.ts';
import { runCapture } from './run.ts';

const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
const words = (name: string) => name.split(' ');

describe('every subcommand', () => {
  it('registers the documented commands', () => {
    expect(COMMAND_NAMES).toEqual(
      expect.arrayContaining(['serve', 'sign', 'keys new', 'keys audit', 'config check', 'validate', 'analyze', 'audit tail', 'audit export', 'audit verify']),
    );
  });

  for (const name of COMMAND_NAMES) {
    for (const flag of ['--help', '-h']) {
      it(`${name} ${flag}: its usage on stdout, exit 0, and nothing else done`, async () => {
        const r = await runCapture([...words(name), flag], {});
        expect([r.code, r.err]).toEqual([0, '']);
        expect(r.out.startsWith(`portcullis ${name}`), r.out).toBe(true);
        expect(r.out).not.toMatch(/whsec_[A-Za-z0-9+/=]{20,}/);
      });
    }

    it(`${name} --no-such-flag: one line naming the flag, exit 2`, async () => {
      const r = await runCapture([...words(name), '--no-such-flag'], {});
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(`portcullis ${name}: unknown option '--no-such-flag'`);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('a string option without its value is one line, exit 2 (not a stack trace)', async () => {
    for (const argv of [['serve', '--config'], ['config', 'check', '--config'], ['audit', 'verify', '--file'], ['sign', '--client']]) {
      const r = await runCapture(argv, {});
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/option '--[a-z-]+' needs a value/);
    }
  });
});

describe('top level and groups', () => {
  it('--version (and -V) print the package version, exit 0', async () => {
    for (const flag of ['--version', '-V']) expect(await runCapture([flag], {})).toEqual({ code: 0, out: pkg.version, err: '' });
  });

  it('bare audit, keys and config print their commands (exit 2); with --help on stdout (exit 0)', async () => {
    for (const group of ['audit', 'keys', 'config']) {
      const bare = await runCapture([group], {});
      expect(bare.code).toBe(2);
      expect(bare.err).toMatch(new RegExp(`^usage: portcullis ${group} <command>`));
      expect(bare.err).not.toMatch(/unknown command/);
      for (const name of COMMAND_NAMES.filter((n) => n.startsWith(`${group} `))) expect(bare.err).toContain(`  ${name}`);
      const help = await runCapture([group, '--help'], {});
      expect([help.code, help.out]).toEqual([0, bare.err]);
    }
  });

  it('the overview names every command', async () => {
    const r = await runCapture(['--help'], {});
    expect(r.code).toBe(0);
    for (const name of COMMAND_NAMES) expect(r.out).toContain(`  ${name}`);
  });

  it('keys new --help prints no secret; keys new prints one', async () => {
    expect((await runCapture(['keys', 'new', '--help'], {})).out).not.toMatch(/whsec_[A-Za-z0-9+/=]{20,}/);
    expect((await runCapture(['keys', 'new'], {})).out).toMatch(/^whsec_/);
  });

  it('keys audit without --out is a one-line usage error', async () => {
    const r = await runCapture(['keys', 'audit'], {});
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
