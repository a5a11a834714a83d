/** Wrangler's default CompiledWasm rule turns a `.wasm` import into a precompiled module (workerd forbids compiling bytes). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
