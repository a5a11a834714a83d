import { tf } from '../backend.js';
import type { AlgorithmContext, Batch } from '../algorithms/types.js';
import type { RandomState } from '../random.js';

/** Epoch-wise shuffling without replacement; the last partial batch of an epoch is kept (method.md §1.3). */
export class EpochSampler {
  private order: Int32Array = new Int32Array(0);
  private pos = 0;

  constructor(private readonly indices: Int32Array, private readonly rng: RandomState) {
    if (indices.length === 0) throw new Error('cannot sample from an empty training set');
  }

  next(batchSize: number): Int32Array {
    if (this.pos >= this.order.length) {
      this.order = this.rng.shuffle(Int32Array.from(this.indices));
      this.pos = 0;
    }
    const out = this.order.subarray(this.pos, Math.min(this.pos + batchSize, this.order.length));
    this.pos += out.length;
    return Int32Array.from(out);
  }
}

/**
 * The next minibatch as tensors (the whole training subset when the profile is full-batch). Rows are copied
 * on the host: tf.gather on a large device tensor is far slower on the wasm backend.
 */
export function takeBatch(sampler: EpochSampler, ctx: AlgorithmContext): Batch {
  const size = ctx.profile.fullBatch ? ctx.trainIdx.length : Math.max(1, Math.floor(ctx.hp.batch_size));
  const idx = sampler.next(size);
  const { x: all, y: labels, d } = ctx.data.train;
  const x = new Float32Array(idx.length * d);
  idx.forEach((i, j) => x.set(all.subarray(i * d, (i + 1) * d), j * d));
  const yHost = Int32Array.from(idx, (i) => labels[i]);
  return { idx, x: tf.tensor2d(x, [idx.length, d]), y: tf.tensor1d(yHost, 'int32'), yHost };
}
