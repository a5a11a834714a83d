import { tf } from '../backend.js';
import type { AlgorithmContext, Batch } from '../algorithms/types.js';
import type { RandomState } from '../random.js';

/** Epoch-wise shuffling without replacement; the last partial batch of an epoch is kept (docs/method.md §1.3). */
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

function makeBatch(ctx: AlgorithmContext, idx: Int32Array): Batch {
  const { x: all, y: labels, d } = ctx.data.train;
  const x = new Float32Array(idx.length * d);
  idx.forEach((i, j) => x.set(all.subarray(i * d, (i + 1) * d), j * d));
  const yHost = Int32Array.from(idx, (i) => labels[i]);
  return { idx, x: tf.tensor2d(x, [idx.length, d]), y: tf.tensor1d(yHost, 'int32'), yHost };
}

/**
 * Minibatches as tensors. Rows are copied on the host (tf.gather on a large device tensor is far slower on the
 * wasm backend). A full-batch profile gets the same batch every step, uploaded once.
 */
export class BatchSource {
  private readonly sampler: EpochSampler;
  private full: Batch | null = null;

  constructor(private readonly ctx: AlgorithmContext, rng: RandomState) {
    this.sampler = new EpochSampler(ctx.trainIdx, rng);
  }

  next(): Batch {
    if (this.ctx.profile.fullBatch) return (this.full ??= makeBatch(this.ctx, this.ctx.trainIdx));
    return makeBatch(this.ctx, this.sampler.next(Math.max(1, Math.floor(this.ctx.hp.batch_size))));
  }

  /** Frees a batch once its step is done (the cached full batch lives until dispose). */
  release(b: Batch): void {
    if (b !== this.full) tf.dispose([b.x, b.y]);
  }

  dispose(): void {
    if (this.full) tf.dispose([this.full.x, this.full.y]);
    this.full = null;
  }
}
