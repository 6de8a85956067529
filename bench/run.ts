/**
 * Signed call throughput (issue 2): autocannon against real server processes on 127.0.0.1.
 *
 *   npm run bench -- [--duration 10] [--warmup 3] [--connections 8] [--rounds 3] [--log-levels info,warn]
 *
 * Baseline: a bare Hono hello world (bench/hello-server.ts). Service: `portcullis serve` on a copy of the
 * sandbox config with a temporary data directory. Both receive the same requests: POST
 * /v1/playbooks/unblock-ip/runs, each with a fresh webhook-id, the current timestamp, a fresh random
 * public indicator and a valid signature. On the service that is a signed, replay-guarded,
 * idempotency-checked call whose run and audit event commit to SQLite before the 202. Baseline and
 * service run alternately, each in a fresh process, and the medians are compared. block-ip is an
 * informational row: it also writes intents and makes the reconciler change the simulated clouds
 * (in the same process). The reconcile path has its own benchmark (issue 4).
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
  try {
    return await measure(label, server, signedRunRequest(client, playbook), shape);
  } finally {
    await stopServer(server, 15_000);
    if (options.cpuProf) {
      for (const file of readdirSync(join(dir, 'prof')).filter((f) => f.endsWith('.cpuprofile'))) {
        console.log(`  profile of ${label} (${join(dir, 'prof', file)}):`);
        printProfileSummary(summarizeProfile(join(dir, 'prof', file), 15), (line) => console.log(line));
      }
    }
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

async function service(round: number, playbook: string, level: string, measured: boolean): Promise<Row> {
  const dir = join(workDir, `${playbook}-${level}-r${round}`);
  mkdirSync(dir);
  const m = await withServer(`portcullis ${playbook}, log ${level} (round ${round})`, dir, (port) =>
    startServer({
      name: 'portcullis serve',
      nodeArgs: profArgs(dir),
      script: 'bin/portcullis.mjs',
      args: ['serve', '--config', writeServiceConfig(dir, port, level)],
      url: `http://127.0.0.1:${port}`,
      readyPath: '/healthz',
      startTimeoutMs: 30_000,
    }), playbook);
  const stored = storedCounts(join(dir, 'data', 'portcullis.db'));
  return { ...m, stored, group: `portcullis ${playbook} (log ${level})${measured ? '' : ' [informational]'}`, measured };
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
    for (const level of options.logLevels) record(await service(round, 'unblock-ip', level, true));
  }
  for (let round = 1; round <= options.blockRounds; round++) {
    record(await service(round, 'block-ip', options.logLevels[0] ?? 'info', false));
  }

  const summaries = summarize(rows);
  const base = summaries.find((s) => s.group.startsWith('baseline'))?.requestsPerSecond ?? Number.NaN;
  console.log('\nMedians:');
  for (const line of summaryTable(summaries, base)) console.log(line);
  console.log('\nunblock-ip with an indicator that has no block records the run and its audit event (signature,');
  console.log('replay guard, idempotency record, one SQLite transaction) and creates no intent; block-ip also writes');
  console.log('intents and reconciles them against the in-process simulators. Reconcile throughput: issue 4 benchmark.');

  let failed = false;
  for (const row of rows) {
    const problems = rowProblems(row);
    if (!problems.length) continue;
    console.error(`${row.measured ? 'FAILED' : 'WARNING'}: ${row.label}: ${problems.join('; ')}`);
    if (row.measured) failed = true;
  }
  for (const s of summaries.filter((g) => g.group.startsWith('portcullis unblock-ip'))) {
    const ratio = s.requestsPerSecond / base;
    console.log(`ratio ${s.group} / baseline = ${ratio.toFixed(2)} (target >= ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'MET' : 'BELOW TARGET'}`);
    if (ratio < TARGET_RATIO && options.failBelowTarget) failed = true;
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
  if (options.keep) console.log(`kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}
process.exit(code);
