#!/usr/bin/env node
// Runs a TypeScript file (benchmarks, scripts) on a Node that strips types: node bin/run-ts.mjs bench/run.ts
// (on Node 22.18+ or 24, `node bench/run.ts` does the same).
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureRuntime, quietSqliteWarning } from './runtime.mjs';

ensureRuntime(fileURLToPath(import.meta.url));
quietSqliteWarning();
const [file, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
