#!/usr/bin/env node
// The CLI entry point: Node runs the TypeScript sources directly (type stripping), no build step.
import { fileURLToPath } from 'node:url';
import { ensureRuntime } from './runtime.mjs';

ensureRuntime(fileURLToPath(import.meta.url));
await import('../src/cli/main.ts');
