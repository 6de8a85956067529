/** Flags (or BENCH_* environment variables) of `npm run bench`, each bounded. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  rounds: number;
  logLevels: string[];
  blockRounds: number;
  cpuProf: boolean;
  failBelowTarget: boolean;
  keep: boolean;
}

export const USAGE = `npm run bench -- [--duration 10] [--warmup 3] [--connections 8] [--rounds 3]
                  [--log-levels info,warn] [--block-rounds 1] [--cpu-prof] [--fail-below-target] [--keep]
  env: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_LOG_LEVELS, BENCH_BLOCK_ROUNDS`;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function bounded(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, not "${text}"\n${USAGE}`);
  }
  return value;
}

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      'log-levels': { type: 'string' },
      'block-rounds': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'fail-below-target': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const logLevels = (values['log-levels'] ?? env.BENCH_LOG_LEVELS ?? 'info,warn').split(',').map((l) => l.trim());
  const unknown = logLevels.filter((l) => !LEVELS.has(l));
  if (!logLevels.length || unknown.length || logLevels.length > 3) {
    throw new Error(`--log-levels takes 1 to 3 of ${[...LEVELS].join(', ')}; got "${logLevels.join(',')}"\n${USAGE}`);
  }
  return {
    durationSeconds: bounded('--duration', values.duration ?? env.BENCH_DURATION, 10, 1, 120),
    warmupSeconds: bounded('--warmup', values.warmup ?? env.BENCH_WARMUP, 3, 0, 30),
    // Two cores: one for the server, one for autocannon; a handful of connections per core keeps the
    // server busy without measuring queueing.
    connections: bounded('--connections', values.connections ?? env.BENCH_CONNECTIONS, 8, 1, 256),
    rounds: bounded('--rounds', values.rounds ?? env.BENCH_ROUNDS, 3, 1, 7),
    logLevels,
    blockRounds: bounded('--block-rounds', values['block-rounds'] ?? env.BENCH_BLOCK_ROUNDS, 1, 0, 5),
    cpuProf: values['cpu-prof'] ?? false,
    failBelowTarget: values['fail-below-target'] ?? false,
    keep: values.keep ?? false,
  };
}

/** An upper bound on the whole run: each measurement plus a generous start/stop allowance. */
export function timeBudgetMs(o: BenchOptions): number {
  const measurements = o.rounds * (2 + o.logLevels.length) + o.blockRounds;
  return (measurements * (o.warmupSeconds + o.durationSeconds + 45) + 60) * 1000;
}
