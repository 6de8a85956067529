/** Modules that exist only in the Worker build (wrangler.toml [alias] and module rules). */

/** The playbooks folder as bundled at build time by bin/worker-files.mjs (paths relative to the repo). */
declare module 'portcullis-worker-files' {
  export const files: { file: string; text: string }[];
}

/** A WebAssembly module imported by the Worker build (wrangler's CompiledWasm rule). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
