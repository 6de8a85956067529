#!/usr/bin/env node
// The CLI entry point: Node runs the TypeScript sources directly (type stripping), no build step.
import { fileURLToPath } from 'node:url';
import { ensureRuntime, quietSqliteWarning } from './runtime.mjs';

ensureRuntime(fileURLToPath(import.meta.url));
quietSqliteWarning();
await import('../src/cli/main.ts');
