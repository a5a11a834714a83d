import { contentHash, float32ToBase64, bytesToBase64, l2Normalize, membershipPrefilter, BUNDLE_FORMAT_VERSION, type MemorizationIndex } from '#shared';
import type { Dataset } from '../data/types.js';

import type { RandomState } from '../random.js';
import type { SplitOutputs } from './outputs.js';

/** Measured scores as the API reports them: clipped to [0, 1] (docs/design.md "memorization"). */
export function clipScores(raw: Float64Array): Float64Array {
  return raw.map((v) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0));
}

/**
 * Exemplars for nearest-neighbour estimates: the most memorized half (the examples a new input can lean on)
 * plus a uniform sample of the rest (so that "near ordinary examples" reads as low memorization).
 */
export function selectExemplars(scores: Float64Array, count: number, rng: RandomState): Int32Array {
  const n = scores.length;
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const byScore = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const top = byScore.slice(0, Math.floor(count / 2));
  const rest = rng.shuffle(byScore.slice(top.length)).slice(0, count - top.length);
  return Int32Array.from([...top, ...rest].sort((a, b) => a - b));
}

/** memorization.json: content hash → measured score for every training example, and the exemplar set. */
export async function memorizationIndex(
  data: Dataset,
  train: SplitOutputs,
  scores: Float64Array,
  inferredGroups: Int32Array,
  exemplarIdx: Int32Array,
  rawRow: (i: number) => Float32Array,
): Promise<MemorizationIndex> {
  const members: Record<string, number> = {};
  for (let i = 0; i < data.train.n; i++) members[await contentHash(rawRow(i))] = scores[i];
  const E = train.E, m = exemplarIdx.length;
  const embeddings = new Float32Array(m * E);
  exemplarIdx.forEach((i, j) => embeddings.set(l2Normalize(train.embedding.subarray(i * E, (i + 1) * E)), j * E));
  const isImage = data.input.kind === 'image';
  const inputs = isImage ? new Uint8Array(m * data.train.d) : null;
  if (inputs) exemplarIdx.forEach((i, j) => inputs.set(rawRow(i).map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255)), j * data.train.d));
  return {
    formatVersion: BUNDLE_FORMAT_VERSION,
    members,
    prefilter: bytesToBase64(new Uint8Array(membershipPrefilter(Array.from({ length: data.train.n }, (_, i) => rawRow(i))).buffer)),
    exemplars: {
      count: m,
      embeddingDim: E,
      ids: Array.from(exemplarIdx),
      labels: Array.from(exemplarIdx, (i) => data.train.y[i]),
      scores: Array.from(exemplarIdx, (i) => scores[i]),
      inferredGroups: Array.from(exemplarIdx, (i) => inferredGroups[i]),
      embeddings: float32ToBase64(embeddings),
      inputs: inputs ? bytesToBase64(inputs) : null,
    },
  };
}


