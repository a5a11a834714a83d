/**
 * onnxruntime-web (the worker's runtime, CPU wasm build) under Node: the parity oracle for model.onnx.
 * Node can compile wasm from bytes, so instead of the worker's instantiate shim we hand ORT the real
 * ort-wasm-simd-threaded.wasm as `wasmBinary`; with one thread ORT then uses the glue embedded in
 * ort.wasm.bundle.min.mjs and fetches/imports nothing (docs/edge-stack.md, Q3).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-web/wasm';
import { ONNX_EXEMPLAR_DOT, ONNX_FACTUAL_ROWS, ONNX_OUTPUTS, graphFeeds, type MakeTensor } from '#shared';

export { ort };

/** A tensor for `graphFeeds`. */
export const ortTensor: MakeTensor<ort.Tensor> = (type, data, dims) => new ort.Tensor(type, data as Float32Array, dims);

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
  /** [factual × exemplars] `exemplar_dot`, where the graph has that output (bundles since 2026-12-01). */
  exemplarDot?: Float32Array;
}

/** One run's outputs. */
export interface GraphRun extends BundleOutputs {
  /** Rows of the twins' outputs and `exemplar_dot`: `factual` where the graph reads `factual_rows`, else n. */
  factualRows: number;
}

/**
 * One `session.run` of the bundle graph on x [n × d] (row-major), of which the first `factual` rows are inputs and the
 * rest their counterfactuals; every output as a row-major Float32Array. The twins' outputs and `exemplar_dot` have
 * `factualRows` rows: `factual` where the graph reads `factual_rows` (ONNX_FACTUAL_ROWS), n otherwise.
 */
export async function runAll(session: ort.InferenceSession, x: Float32Array, n: number, d: number, factual = n): Promise<GraphRun> {
  if (x.length !== n * d) throw new RangeError(`x has ${x.length} values, expected ${n}×${d} = ${n * d}`);
  const results = await session.run(graphFeeds(session.inputNames, ortTensor, x, n, d, factual));
  const factualRows = session.inputNames.includes(ONNX_FACTUAL_ROWS) ? factual : n;
  const get = (name: string, rows: number): Float32Array => {
    const t = results[name];
    if (t === undefined) throw new Error(`model has no output '${name}'`);
    if (t.type !== 'float32') throw new Error(`output '${name}' is ${t.type}, expected float32`);
    if (t.dims.length !== 2 || t.dims[0] !== rows) throw new Error(`output '${name}' has dims [${t.dims.join(', ')}], expected [${rows}, *]`);
    return t.data as Float32Array;
  };
  return {
    logits: get(ONNX_OUTPUTS.logits, n),
    embedding: get(ONNX_OUTPUTS.embedding, n),
    twinA: get(ONNX_OUTPUTS.twinA, factualRows),
    twinB: get(ONNX_OUTPUTS.twinB, factualRows),
    ...(results[ONNX_EXEMPLAR_DOT] ? { exemplarDot: get(ONNX_EXEMPLAR_DOT, factualRows) } : {}),
    factualRows,
  };
}
