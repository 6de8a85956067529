/**
 * Cedar on Workers: cedar-wasm's web build, instantiated synchronously from the Wasm module wrangler
 * bundles (workerd compiles no Wasm from bytes at run time, and has no file system for the Node build
 * to read it from). wrangler.toml aliases `@cedar-policy/cedar-wasm/nodejs` to this module, so
 * src/policy/ is the same code on both runtimes. The package's web folder ships no .wasm of its own;
 * the Node build's file is the same binary (identical imports: checked by test/worker/bundle.test.ts).
 */
import { initSync } from '@cedar-policy/cedar-wasm/web';
import wasm from '../../node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm';

initSync({ module: wasm });

export * from '@cedar-policy/cedar-wasm/web';
