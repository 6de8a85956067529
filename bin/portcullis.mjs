#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (a runtime dependency), so `npm start` and
// `npx portcullis` need no build step on a fresh clone.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
