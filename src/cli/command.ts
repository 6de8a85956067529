/**
 * The shape every `portcullis` subcommand shares: flags parsed by node:util's parseArgs (strict), then
 * `--help`/`-h` prints the command's usage (exit 0) and an unknown flag or a missing value is one line on
 * stderr (exit 2) before the command runs, so no subcommand can print a stack trace for bad flags or do its
 * work (mint a secret, start a server) when asked for help.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  env: NodeJS.ProcessEnv;
}

/** A command returns its exit code; output goes through the given streams. `usage` is its --help text. */
export type Command = ((args: string[], io: CliIo) => Promise<number>) & { usage?: string };

/** Exit code for usage errors (unknown flag, missing or bad value), as in BSD sysexits' EX_USAGE spirit. */
export const USAGE_EXIT = 2;

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** A usage error raised by a command after parsing (a bad value): one line on stderr, exit 2. */
export class UsageError extends Error {}

/**
 * Wraps a command body with strict flag parsing and `--help`/`-h`. `positionals` is how many positional
 * arguments the command takes (default none).
 */
export function defineCommand<O extends Options>(
  spec: { name: string; usage: string; options: O; positionals?: number },
  run: (parsed: Parsed<O>, io: CliIo) => Promise<number>,
): Command {
  const command: Command = async (args, io) => {
    if (args.includes('--help') || args.includes('-h')) {
      io.out(spec.usage);
      return 0;
    }
    let parsed: Parsed<O>;
    try {
      parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
    } catch (error) {
      io.err(`portcullis ${spec.name}: ${describeParseError(error as Error)} (see portcullis ${spec.name} --help)`);
      return USAGE_EXIT;
    }
    const allowed = spec.positionals ?? 0;
    if (parsed.positionals.length > allowed) {
      io.err(`portcullis ${spec.name}: unexpected argument "${parsed.positionals[allowed]}" (see portcullis ${spec.name} --help)`);
      return USAGE_EXIT;
    }
    try {
      return await run(parsed, io);
    } catch (error) {
      if (error instanceof UsageError) {
        io.err(`portcullis ${spec.name}: ${error.message} (see portcullis ${spec.name} --help)`);
        return USAGE_EXIT;
      }
      throw error;
    }
  };
  command.usage = spec.usage;
  return command;
}

/** The one line for a flag parseArgs refused, for commands that call parseArgs themselves. */
export function usageErrorLine(name: string, error: Error): string {
  return `portcullis ${name}: ${describeParseError(error)} (see portcullis ${name} --help)`;
}

/** parseArgs' messages, shortened to the part a user needs ("unknown option '--x'"). */
function describeParseError(error: Error): string {
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ]*)/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option '${option}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return error.message.includes('argument missing') ? `option '${option}' needs a value` : `option '${option}' takes no value`;
  }
  return error.message.split('\n')[0] ?? error.message;
}

/** One of a flag's allowed values, or a UsageError naming them. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value as T;
}
