/**
 * Tensor layout constants shared by the ONNX exporter (trainer) and the ORT session (worker).
 * One graph, one input, four outputs: a single `session.run` gives every per-input score.
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
