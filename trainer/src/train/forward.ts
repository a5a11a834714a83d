import { tf } from '../backend.js';
import type { Mlp } from '../model/mlp.js';
import type { Split } from '../data/types.js';

const CHUNK = 4096;

/** Logits (and optionally embeddings) of several networks over a whole split, in chunks, as host arrays. */
export function forwardSplit(nets: Mlp[], split: Pick<Split, 'x' | 'n' | 'd'>, withEmbedding = false): { logits: Float32Array[]; embedding: Float32Array[] } {
  const logits = nets.map((net) => new Float32Array(split.n * net.arch.numClasses));
  const embedding = withEmbedding ? nets.map((net) => new Float32Array(split.n * net.arch.embeddingDim)) : [];
  for (let start = 0; start < split.n; start += CHUNK) {
    const rows = Math.min(CHUNK, split.n - start);
    tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * split.d, (start + rows) * split.d), [rows, split.d]);
      nets.forEach((net, k) => {
        const out = net.forward(x);
        logits[k].set(out.logits.dataSync(), start * net.arch.numClasses);
        if (withEmbedding) embedding[k].set(out.embedding.dataSync(), start * net.arch.embeddingDim);
      });
    });
  }
  return { logits, embedding };
}

/** argmax of each row of a [n × K] logit matrix. */
export function argmaxRows(logits: Float32Array, K: number): Int32Array {
  const n = logits.length / K;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + best]) best = k;
    out[i] = best;
  }
  return out;
}
