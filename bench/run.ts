/**
 * Signed call throughput (issue 2): autocannon against real server processes on 127.0.0.1.
 *
 *   npm run bench -- [--duration 10] [--warmup 3] [--connections 8] [--rounds 3] [--log-levels info,warn]
 *
 * Baselines, measured in the same run: a bare Hono hello world (bench/hello-server.ts) and a minimal durable
 * signed receiver (bench/minimal-receiver.ts: HMAC check, webhook-id claimed, the call and one
 * hash-chained audit row in one SQLite transaction before the 202; issue 11). Service: `portcullis serve` on a copy of the
 * sandbox config with a temporary data directory. Both receive the same requests: POST
 * /v1/playbooks/unblock-ip/runs, each with a fresh webhook-id, the current timestamp, a fresh random
 * public indicator and a valid signature. On the service that is a signed, replay-guarded,
 * idempotency-checked call whose run and audit event commit to SQLite before the 202 (no target changes,
 * so no reconcile pass runs; see WHAT_IS_MEASURED). Baseline and service run alternately,
 * each in a fresh process, and the medians are compared. block-ip is an informational row: it also
 * writes intents and makes the reconciler change the simulated clouds (in the same process). The
 * reconcile path has its own benchmark (issue 4). `--cpu-prof` prints where the server's time went.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadShape, measure } from './edge/measure.ts';
import { USAGE, parseBenchOptions, timeBudgetMs } from './edge/options.ts';
import { type ServerProcess, freePort, killAll, killChildrenOnExit, startServer, stopServer } from './edge/processes.ts';
import { printProfileSummary, summarizeProfile } from './edge/profile-summary.ts';
import { type Row, rowLine, rowProblems, summarize, summaryTable } from './edge/report.ts';
import { sandboxClient, writeServiceConfig } from './edge/service-config.ts';
import { checkSignerMatchesService, signedRunRequest } from './edge/signed-requests.ts';
import { storedCounts } from './edge/stored.ts';

const TARGET_RATIO = 0.5;
const WHAT_IS_MEASURED = [
  '',
  'unblock-ip for an indicator that has no block: signature check, replay guard + idempotency claim (one SQLite',
  'transaction), then the run, its run.accepted audit event and the stored response (a second transaction); no',
  'intent is written, so no target changes and no reconcile pass is scheduled ("reconcile passes" above counts',
  'the reconcile.pass audit events). block-ip also writes intents, so each run schedules passes that change the',
  'simulated clouds (they run in the same process). Reconcile throughput has its own benchmark (issue 4).',
];
const options = parseBenchOptions(process.argv.slice(2), process.env);
const shape: LoadShape = { connections: options.connections, warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds };
killChildrenOnExit();
const budget = setTimeout(() => {
  console.error(`bench: FAILED, still running after ${timeBudgetMs(options) / 1000} s; killing the servers`);
  killAll();
  process.exit(2);
}, timeBudgetMs(options));
budget.unref();

const workDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-signed-'));
// On every exit (also Ctrl-C and the time limit): the children are killed first (killChildrenOnExit).
process.once('exit', () => {
  if (options.keep) console.log(`kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
});
const client = sandboxClient();
const profArgs = (dir: string) => (options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', join(dir, 'prof')] : []);

/** Starts a fresh server, measures it, stops it (always), and prints its --cpu-prof summary if any. */
async function withServer(
  label: string,
  dir: string,
  start: (port: number) => Promise<ServerProcess>,
  playbook: string,
): Promise<Omit<Row, 'group' | 'measured'>> {
  const server = await start(await freePort());
  let measured: Omit<Row, 'group' | 'measured'> | undefined;
  try {
    measured = await measure(label, server, signedRunRequest(client, playbook), shape);
    return measured;
  } finally {
    await stopServer(server, 15_000);
    if (options.cpuProf && measured) printProfile(label, join(dir, 'prof'), measured.measuredFrom, measured.measuredTo);
  }
}

/** Summarizes the main thread's profile (thread 0; the others are tsx's loader), measured part only. */
function printProfile(label: string, profDir: string, from: number, to: number): void {
  const exitedAt = Date.now();
  for (const file of readdirSync(profDir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))) {
    console.log(`  profile of ${label}, measured part only (${join(profDir, file)}):`);
    const summary = summarizeProfile(join(profDir, file), 20, { fromMs: exitedAt - from, toMs: exitedAt - to });
    printProfileSummary(summary, (line) => console.log(line));
  }
}

async function baseline(round: number): Promise<Row> {
  const dir = join(workDir, `baseline-r${round}`);
  mkdirSync(dir);
  const m = await withServer(`baseline hono hello world (round ${round})`, dir, (port) =>
    startServer({
      name: 'hello-server',
      nodeArgs: profArgs(dir),
      script: 'bin/run-ts.mjs',
      args: ['bench/hello-server.ts', '--port', String(port)],
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
      startTimeoutMs: 30_000,
    }), 'unblock-ip');
  return { ...m, group: 'baseline: hono hello world', measured: true };
}

async function receiver(round: number): Promise<Row> {
  const dir = join(workDir, `receiver-r${round}`);
  mkdirSync(dir);
  const m = await withServer(`baseline minimal durable receiver (round ${round})`, dir, (port) =>
    startServer({
      name: 'minimal-receiver',
      nodeArgs: profArgs(dir),
      script: 'bin/run-ts.mjs',
      args: ['bench/minimal-receiver.ts', '--port', String(port), '--db', join(dir, 'receiver.db')],
      env: { PORTCULLIS_BENCH_SECRET: client.secret },
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
      startTimeoutMs: 30_000,
    }), 'unblock-ip');
  return { ...m, group: 'baseline: minimal durable receiver', measured: true };
}

async function service(round: number, playbook: string, level: string, measured: boolean): Promise<Row> {
  const dir = join(workDir, `${playbook}-${level}serve-r${round}`);
  mkdirSync(dir);
  const m = await withServer(`portcullis ${playbook}, log ${level} (round ${round})`, dir, (port) => {
    const config = writeServiceConfig(dir, port, level);
    return startServer({
      name: 'portcullis serve',
      nodeArgs: profArgs(dir),
      script: 'bin/portcullis.mjs',
      args: ['serve', '--config', config],
      url: `http://127.0.0.1:${port}`,
      readyPath: '/healthz',
      startTimeoutMs: 30_000,
    });
  }, playbook);
  const stored = storedCounts(join(dir, 'data', 'portcullis.db'));
  const group = `portcullis ${playbook} (log ${level})${measured ? '' : ' [informational]'}`;
  return { ...m, stored, group, measured };
}

async function main(): Promise<number> {
  await checkSignerMatchesService(client);
  console.log(
    `Signed call throughput: ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured, ${options.rounds} alternating rounds; log levels ${options.logLevels.join(', ')}${options.cpuProf ? '; --cpu-prof ON (numbers are slowed by profiling)' : ''}`,
  );
  console.log('Every request: POST /v1/playbooks/<playbook>/runs, fresh webhook-id, current timestamp, fresh random indicator, HMAC-SHA256 v1 signature, client "demo".');
  const rows: Row[] = [];
  const record = (row: Row) => {
    rows.push(row);
    console.log(rowLine(row));
  };
  for (let round = 1; round <= options.rounds; round++) {
    record(await baseline(round));
    record(await receiver(round));
    for (const level of options.logLevels) record(await service(round, 'unblock-ip', level, true));
  }
  for (let round = 1; round <= options.blockRounds; round++) {
    record(await service(round, 'block-ip', options.logLevels[0] ?? 'info', false));
  }

  const summaries = summarize(rows);
  const base = summaries.find((s) => s.group.startsWith('baseline'))?.requestsPerSecond ?? Number.NaN;
  console.log('\nMedians:');
  for (const line of summaryTable(summaries, base)) console.log(line);
  for (const line of WHAT_IS_MEASURED) console.log(line);

  let failed = false;
  for (const row of rows) {
    const problems = rowProblems(row);
    if (!problems.length) continue;
    console.error(`${row.measured ? 'FAILED' : 'WARNING'}: ${row.label}: ${problems.join('; ')}`);
    if (row.measured) failed = true;
  }
  const durable = summaries.find((s) => s.group === 'baseline: minimal durable receiver')?.requestsPerSecond ?? Number.NaN;
  for (const s of summaries.filter((g) => g.group.includes('portcullis unblock-ip') || g.group.includes('portcullis block-ip'))) {
    for (const [name, rate] of [['hono hello world', base], ['minimal durable receiver', durable]] as const) {
      const ratio = s.requestsPerSecond / rate;
      // Issue 11's target is against the minimal durable receiver; the hello-world ratio is context (issue 2).
      const target = s.group.includes('unblock-ip') && name === 'minimal durable receiver' ? TARGET_RATIO : undefined;
      const verdict = target === undefined ? 'informational' : ratio >= target ? 'PASS' : 'FAIL';
      console.log(`ratio ${s.group} / ${name} = ${ratio.toFixed(2)}${target === undefined ? '' : ` (target >= ${target})`}: ${verdict}`);
      if (verdict === 'FAIL' && options.failBelowTarget) failed = true;
    }
  }
  if (failed) console.error('bench: FAILED (see above)');
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`bench: FAILED: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
} finally {
  killAll();
}
process.exit(code);
