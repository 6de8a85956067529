import { readFileSync } from 'node:fs';
import { analyzeCommand } from './analyze.ts';
import { auditExport, auditTail, auditVerify } from './audit.ts';
import { type CliIo, type Command, USAGE_EXIT } from './command.ts';
import { configCheck } from './config-check.ts';
import { keysAudit, keysNew } from './keys.ts';
import { reportChanges } from './report.ts';
import { serveCommand } from './serve.ts';
import { signCommand } from './sign.ts';
import { SUBMIT_USAGE, submitCommand } from './submit.ts';
import { VALIDATE_USAGE, validateCommand } from './validate.ts';

export type { CliIo, Command };

/**
 * Every subcommand, by its words ("audit tail" is the group `audit`, command `tail`). To add one, write
 * it with `defineCommand` (src/cli/command.ts: it gives --help/-h and one-line unknown-flag errors) and
 * add a line here; the overview, group usage and the CLI contract test (test/cli/contract.test.ts) pick it up.
 */
const commands: Record<string, Command> = {
  serve: serveCommand,
  sign: signCommand,
  'keys new': keysNew,
  'keys audit': keysAudit,
  'config check': configCheck,
  validate: validateCommand,
  submit: submitCommand,
  analyze: analyzeCommand,
  'audit tail': auditTail,
  'audit export': auditExport,
  'audit verify': auditVerify,
  'report changes': reportChanges,
};

// Commands that parse their own flags carry their usage for the overview and group listings.
submitCommand.usage ??= SUBMIT_USAGE;
validateCommand.usage ??= VALIDATE_USAGE;

/** The registered commands (for the CLI contract test and for `--help`). */
export const COMMAND_NAMES: readonly string[] = Object.keys(commands);

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The first line of a usage (its synopsis) and the first line of its description. */
function summary(name: string): string {
  const lines = (commands[name]?.usage ?? `portcullis ${name}`).split('\n');
  const description = lines.slice(1).find((l) => l.trim() !== '');
  return `  ${lines[0]?.replace(/^portcullis /, '')}${description ? `\n      ${description.trim()}` : ''}`;
}

function overview(): string {
  return [
    'usage: portcullis <command> [options]      (portcullis <command> --help for its options)',
    '',
    ...COMMAND_NAMES.map(summary),
    '',
    '  --version   print the version',
  ].join('\n');
}

function groupUsage(group: string): string {
  return [`usage: portcullis ${group} <command> [options]`, '', ...COMMAND_NAMES.filter((n) => n.startsWith(`${group} `)).map(summary)].join('\n');
}

const isHelp = (word: string | undefined) => word === '--help' || word === '-h' || word === 'help';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    io.out(VERSION);
    return 0;
  }
  const two = commands[`${first} ${second}`];
  if (two) return two(rest, io);
  const one = first === undefined ? undefined : commands[first];
  if (one) return one(argv.slice(1), io);
  if (first !== undefined && COMMAND_NAMES.some((n) => n.startsWith(`${first} `))) {
    if (isHelp(second)) {
      io.out(groupUsage(first));
      return 0;
    }
    io.err(second === undefined ? groupUsage(first) : `portcullis: unknown command: ${first} ${second}\n\n${groupUsage(first)}`);
    return USAGE_EXIT;
  }
  if (isHelp(first)) {
    io.out(overview());
    return 0;
  }
  io.err(first === undefined ? overview() : `portcullis: unknown command: ${argv.join(' ')}\n\n${overview()}`);
  return USAGE_EXIT;
}

/** `portcullis … | head`: a closed stdout ends the process quietly (exit 0), as `cat` and `grep` do. */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const isMain = process.argv[1] && /portcullis(\.mjs)?$|cli[\\/]main\.ts$/.test(process.argv[1]);
if (isMain) {
  exitQuietlyOnClosedPipe(process.stdout);
  const code = await runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
    err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
    env: process.env,
  });
  // `serve` keeps running (its listener holds the event loop) after it returns 0; a failure exits now,
  // even when a half-started server left handles open.
  if (code === 0) process.exitCode = 0;
  else process.exit(code);
}
