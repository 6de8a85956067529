// The runtime the service needs: Node 22.18+ (22 LTS) or 24 LTS, which run the TypeScript sources
// directly with Node's built-in type stripping (no transpiler on the production path). On an older Node
// (say a machine that has only Node 20), the process re-runs itself on the runtime that `npm ci`
// installed from the registry's `node` package (node_modules/node), with the same arguments and stdio.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
export const supported = major >= 24 || (major === 22 && minor >= 18);

/** Returns when this Node can run the sources; otherwise runs `script` on the bundled runtime and exits. */
export function ensureRuntime(script) {
  if (supported) return;
  const bundled = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/node/bin/node');
  if (!existsSync(bundled)) {
    process.stderr.write(
      `portcullis needs Node 22.18+ or 24 (this is ${process.version}); run \`npm ci\`, which installs one into node_modules/node\n`,
    );
    process.exit(1);
  }
  const result = spawnSync(bundled, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}

/**
 * node:sqlite announces itself with an ExperimentalWarning on stderr (Node 24), which would corrupt the
 * CLI's clean output (`audit tail | …`, `submit`). Only that one warning is dropped; all others print.
 */
export function quietSqliteWarning() {
  const emit = process.emitWarning;
  process.emitWarning = (warning, ...args) => {
    const type = typeof args[0] === 'string' ? args[0] : args[0]?.type;
    if (type === 'ExperimentalWarning' && String(warning).startsWith('SQLite is an experimental')) return;
    return emit.call(process, warning, ...args);
  };
}
