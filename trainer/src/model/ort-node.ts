/**
 * onnxruntime-web (the worker's runtime, CPU wasm build) under Node: the parity oracle for model.onnx.
 * Node can compile wasm from bytes, so instead of the worker's instantiate shim we hand ORT the real
 * ort-wasm-simd-threaded.wasm as `wasmBinary`; with one thread ORT then uses the glue embedded in
 * ort.wasm.bundle.min.mjs and fetches/imports nothing (docs/edge-stack.md, Q3).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';
import { ONNX_EXEMPLAR_DOT, ONNX_INPUT, ONNX_OUTPUTS } from '#shared';

export { ort };

let configured = false;

function configureOrt(): void {
  if (configured) return;
  const wasmPath = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = readFileSync(wasmPath);
  configured = true;
}

/** A wasm-EP session for an ONNX model (serialized ModelProto). */
export async function createOrtSession(modelBytes: Uint8Array): Promise<ort.InferenceSession> {
  configureOrt();
  return ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
}

export interface BundleOutputs {
  logits: Float32Array;
  embedding: Float32Array;
  twinA: Float32Array;
  twinB: Float32Array;
  /** [n × exemplars] `exemplar_dot`, where the graph has that output (bundles since 2026-12-01). */
  exemplarDot?: Float32Array;
}

/** One `session.run` of the bundle graph on x [n × d] (row-major); every output as a row-major Float32Array. */
export async function runAll(session: ort.InferenceSession, x: Float32Array, n: number, d: number): Promise<BundleOutputs> {
  if (x.length !== n * d) throw new RangeError(`x has ${x.length} values, expected ${n}×${d} = ${n * d}`);
  const results = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [n, d]) });
  const get = (name: string): Float32Array => {
    const t = results[name];
    if (t === undefined) throw new Error(`model has no output '${name}'`);
    if (t.type !== 'float32') throw new Error(`output '${name}' is ${t.type}, expected float32`);
    if (t.dims.length !== 2 || t.dims[0] !== n) throw new Error(`output '${name}' has dims [${t.dims.join(', ')}], expected [${n}, *]`);
    return t.data as Float32Array;
  };
  return {
    logits: get(ONNX_OUTPUTS.logits),
    embedding: get(ONNX_OUTPUTS.embedding),
    twinA: get(ONNX_OUTPUTS.twinA),
    twinB: get(ONNX_OUTPUTS.twinB),
    ...(results[ONNX_EXEMPLAR_DOT] ? { exemplarDot: get(ONNX_EXEMPLAR_DOT) } : {}),
  };
}
