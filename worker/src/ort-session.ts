/**
 * onnxruntime-web inside workerd (docs/edge-stack.md, Q3): workerd cannot compile wasm from bytes and has no script URL,
 * so ORT gets a placeholder `wasmBinary` (single thread ⇒ the glue embedded in the bundle is used) and, while the
 * first session is created, `WebAssembly.instantiate` answers with the precompiled module wrangler imported.
 */
import * as ort from 'onnxruntime-web/wasm';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import type { MakeTensor } from '#shared';

export { ort };

/** A tensor for `graphFeeds`. */
export const ortTensor: MakeTensor<ort.Tensor> = (type, data, dims) => new ort.Tensor(type, data as Float32Array, dims);

let queue: Promise<unknown> = Promise.resolve();

async function createUnlocked(model: Uint8Array): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = new Uint8Array(8);
  const orig = WebAssembly.instantiate;
  WebAssembly.instantiate = (async (src: unknown, imports?: WebAssembly.Imports) =>
    src instanceof WebAssembly.Module
      ? orig(src, imports)
      : { instance: await orig(ortWasm, imports), module: ortWasm }) as typeof WebAssembly.instantiate;
  try {
    return await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
  } finally {
    WebAssembly.instantiate = orig;
  }
}

/**
 * A wasm-EP session for a serialized ONNX model. Creations are serialized so that two bundles loading at once
 * never interleave the patch and restore of the global `WebAssembly.instantiate`.
 */
export function createSession(model: Uint8Array): Promise<ort.InferenceSession> {
  const next = queue.then(() => createUnlocked(model));
  queue = next.catch(() => undefined);
  return next;
}
