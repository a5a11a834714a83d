import {
  ONNX_EXEMPLAR_DOT, ONNX_OUTPUTS, batchInput, counterfactualIndex, crossMistake, graphFeeds, scoreRow, type InputRow, type Prediction,
} from '#shared';
import type { LoadedBundle } from './bundle/loader.js';
import { invalid, type Issue } from './errors.js';
import { requireFinite } from './finite.js';
import { ortTensor } from './ort-session.js';

/**
 * The raw vectors of a batch, checked against the model's input spec: length `input.dim` and, for images, values
 * inside `input.range`. Throws a 400 naming each offending path (`["inputs", 3]`, `["inputs", 3, "features"]`).
 */
export function inputVectors(rows: readonly InputRow[], bundle: LoadedBundle, field = 'inputs'): number[][] {
  const spec = bundle.manifest.input;
  const issues: Issue[] = [];
  const vectors = rows.map((row, i) => {
    const [vector, path] = Array.isArray(row) ? [row, [field, i]] : [row.features, [field, i, 'features']];
    if (vector.length !== spec.dim) issues.push({ path, message: `must have ${spec.dim} values (model ${bundle.id}), got ${vector.length}` });
    else if (spec.kind === 'image') {
      const [lo, hi] = spec.range;
      const j = vector.findIndex((v) => v < lo || v > hi);
      if (j >= 0) issues.push({ path: [...path, j], message: `pixel values must lie in [${lo}, ${hi}], got ${vector[j]}` });
    }
    return vector;
  });
  if (issues.length) throw invalid(`inputs do not fit model ${bundle.id}`, issues);
  return vectors;
}

export interface BatchPrediction {
  predictions: Prediction[];
  /** XRM cross-mistake bit of row i for a given label (either twin misses it), for inferred groups. */
  crossMistake(i: number, label: number): boolean;
}

/**
 * One `session.run` for the whole batch; each row scored by the shared `scoreRow` (the trainer's own code). Where the
 * bundle declares a shortcut intervention, the run holds [x; x′]: the N inputs, then their V counterfactuals each
 * (V = 1, or categories − 1 ≤ 15: at most N·16 rows), so counterfactual_change and flip are the model's own answer;
 * graphs that read `factual_rows` run the twins and exemplar_dot on the N inputs only.
 * With `labels` (/v1/evaluate), memorization of non-members is estimated for the labelled pair (x, y).
 * `membership: false` (the public demo) never looks inputs up among the training examples: every input is estimated.
 */
export async function predictVectors(
  bundle: LoadedBundle, vectors: number[][], explain: boolean, labels?: readonly number[], { membership = true } = {},
): Promise<BatchPrediction> {
  const n = vectors.length, d = bundle.manifest.input.dim, p = bundle.manifest.input.preprocessing;
  const intervention = bundle.tables.intervention, V = intervention?.alternatives ?? 0;
  const rows = n * (1 + V);
  const x = batchInput((i) => vectors[i], n, d, p, intervention);
  // Looked up only where the bundle has a membership index (sha256 only behind its prefilter), started before the run.
  const members = membership && bundle.members.size ? bundle.members.lookup(vectors) : null;
  const out = await bundle.session.run(graphFeeds(bundle.session.inputNames, ortTensor, x, rows, d, n));
  const memberScores = members ? await members : vectors.map(() => null);
  // Row i of an output: widths from the dims, since the twins and exemplar_dot may cover the n inputs only.
  const rowsOf = (name: string) => {
    const t = out[name], data = t.data as Float32Array, w = t.dims[1];
    return (i: number) => data.subarray(i * w, (i + 1) * w);
  };
  const logits = rowsOf(ONNX_OUTPUTS.logits), embedding = rowsOf(ONNX_OUTPUTS.embedding);
  const twinA = rowsOf(ONNX_OUTPUTS.twinA), twinB = rowsOf(ONNX_OUTPUTS.twinB);
  // The nearest-exemplar similarities, where the graph computes them (ONNX_EXEMPLAR_DOT); otherwise scoreRow loops in JS.
  const exemplarDot = out[ONNX_EXEMPLAR_DOT] ? rowsOf(ONNX_EXEMPLAR_DOT) : null;
  const outputs = vectors.map((_, i) => ({
    logits: logits(i), embedding: embedding(i), twinA: twinA(i), twinB: twinB(i), ...(exemplarDot ? { exemplarDot: exemplarDot(i) } : {}),
    ...(V ? { counterfactualLogits: Array.from({ length: V }, (_, a) => logits(counterfactualIndex(n, V, i, a))) } : {}),
  }));
  // Every route that answers with scores (predict, evaluate, the demo) comes through here: the outputs are checked
  // before they are scored, the scores before they are served.
  requireFinite(outputs, x, d, bundle.id);
  const predictions = outputs.map((row, i) => scoreRow(
    row,
    bundle.manifest,
    bundle.tables,
    { memberScore: memberScores[i], explain, ...(labels ? { label: labels[i] } : {}) },
  ));
  requireFinite(predictions, x, d, bundle.id);
  return { predictions, crossMistake: (i, label) => crossMistake(twinA(i), twinB(i), label) };
}
