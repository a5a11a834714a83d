/**
 * Tensor layout constants shared by the ONNX exporter (trainer) and the ORT session (worker).
 * One graph, one input (and, with an intervention, the count of factual rows), four or five outputs: a single
 * `session.run` gives every per-input score.
 */
export const ONNX_INPUT = 'x' as const;

export const ONNX_OUTPUTS = {
  /** Served (MAT or baseline) model logits, [N, K]. */
  logits: 'logits',
  /** Served model's penultimate activations, [N, E]; the input itself for a linear model. */
  embedding: 'embedding',
  /** XRM twin A logits, [N, K]; held-out for every input twin A never trained on. */
  twinA: 'twin_a',
  /** XRM twin B logits, [N, K]. */
  twinB: 'twin_b',
} as const;

export const ONNX_OUTPUT_NAMES = Object.values(ONNX_OUTPUTS);

/**
 * Optional fifth output, [N, exemplars]: embedding · eᵢ for every exemplar row eᵢ of memorization.json (unit rows,
 * an initializer of the graph), so that the nearest-exemplar search is one MatMul inside the same `session.run`
 * instead of a loop in JS. Raw dot products: the scorer divides by ‖embedding‖ itself (a zero embedding stays 0,
 * as in `l2Normalize`). Bundles without it are scored by the JS loop, with the same numbers up to float32 rounding.
 */
export const ONNX_EXEMPLAR_DOT = 'exemplar_dot' as const;

/**
 * Optional second input, int64 [1]: how many of `x`'s rows are inputs; the rest are their counterfactuals (the
 * declared intervention, laid out by `batchInput`). A graph that reads it runs the served network on every row and the
 * XRM twins and `exemplar_dot` on the first `factual_rows` only, so their outputs have that many rows: a counterfactual
 * row needs only the served model's answer. Graphs without it (bundles written before it, and bundles without an
 * intervention) run every output on every row. `graphFeeds` builds the feeds for either.
 */
export const ONNX_FACTUAL_ROWS = 'factual_rows' as const;

/** A tensor of the caller's runtime (onnxruntime-web in the worker and in Node). */
export type MakeTensor<T> = (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => T;

/**
 * The feeds of one run of a bundle graph on x [rows × dim], of which the first `factual` rows are inputs and the rest
 * their counterfactuals: `factual_rows` only where the graph reads it.
 */
export function graphFeeds<T>(inputNames: readonly string[], tensor: MakeTensor<T>, x: Float32Array, rows: number, dim: number, factual = rows): Record<string, T> {
  const feeds: Record<string, T> = { [ONNX_INPUT]: tensor('float32', x, [rows, dim]) };
  if (inputNames.includes(ONNX_FACTUAL_ROWS)) feeds[ONNX_FACTUAL_ROWS] = tensor('int64', BigInt64Array.of(BigInt(factual)), [1]);
  return feeds;
}

/** Opset the exporter writes and the worker expects (Gemm, Relu, MatMul, Add, Identity). */
export const ONNX_OPSET = 13;

/** Bundle file names. */
export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  model: 'model.onnx',
  memorization: 'memorization.json',
  report: 'report.html',
  reportData: 'report.json',
  /** A few labelled test inputs per group, for the public demo's "pick one from the test set". */
  samples: 'samples.json',
} as const;

/** Epsilon inside the MAT shift log(p_ho + ε) (docs/method.md §2.2). */
export const SHIFT_EPSILON = 1e-6;

/** Quantile levels stored for every score so that the API can say "top 5%". */
export const QUANTILE_LEVELS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1] as const;
