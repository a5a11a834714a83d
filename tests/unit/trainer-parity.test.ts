import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optimize } from '../../trainer/src/algorithms/common.js';
import { initBackend, tf } from '../../trainer/src/backend.js';
import { exportBundleOnnx } from '../../trainer/src/bundle/onnx-export.js';
import { Mlp, architecture } from '../../trainer/src/model/mlp.js';
import { adam } from '../../trainer/src/model/optimizer.js';
import { createOrtSession, runAll } from '../../trainer/src/model/ort-node.js';
import { RandomState } from '../../trainer/src/random.js';
import { forwardSplit } from '../../trainer/src/train/forward.js';

const D = 392, K = 2, N_TRAIN = 256, N_TEST = 300;
const TOL = 1e-5;

function batch(n: number, rng: RandomState): { x: Float32Array; y: Int32Array } {
  const x = Float32Array.from({ length: n * D }, () => rng.random());
  // A learnable label (sign of a fixed projection) so that training moves the weights a long way.
  const y = Int32Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < 20; j++) s += x[i * D + j] - x[i * D + D - 1 - j];
    return s > 0 ? 1 : 0;
  });
  return { x, y };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** A few Adam steps of cross-entropy on `data`; returns the first and last loss. */
function train(net: Mlp, data: { x: Float32Array; y: Int32Array }, steps: number): [number, number] {
  const opt = adam(net.variables, { lr: 3e-3 });
  const x = tf.tensor2d(data.x, [N_TRAIN, D]);
  const onehot = tf.oneHot(tf.tensor1d(data.y, 'int32'), K);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(optimize(opt, net.variables, () => tf.losses.softmaxCrossEntropy(onehot, net.logits(x)) as tf.Scalar));
  tf.dispose([x, onehot]);
  opt.dispose();
  return [losses[0], losses.at(-1)!];
}

describe('trained tfjs MLP (wasm backend) → model.onnx → onnxruntime-web', () => {
  const nets: Mlp[] = [];
  beforeAll(async () => {
    expect(await initBackend('wasm')).toBe('wasm');
  });
  afterAll(() => nets.forEach((n) => n.dispose()));

  it('every output (logits, embedding, twin_a, twin_b) equals the tfjs forward within 1e-5', async () => {
    const rng = new RandomState(5);
    const served = new Mlp(architecture(D, [32, 16], K), 'xavier', rng);
    const twinA = new Mlp(architecture(D, [24], K), 'xavier', rng);
    const twinB = new Mlp(architecture(D, [24], K), 'torch-default', rng);
    nets.push(served, twinA, twinB);
    const init = served.toWeights().layers.map((l) => Float32Array.from(l.w));
    for (const net of nets) {
      const [first, last] = train(net, batch(N_TRAIN, rng), 25);
      expect(last).toBeLessThan(first);
    }
    // The weights moved away from their initialisation (non-trivial parity, not a check of the init).
    const moved = served.toWeights().layers.map((l, i) => maxAbsDiff(l.w, init[i]));
    expect(Math.min(...moved)).toBeGreaterThan(1e-3);

    const test = batch(N_TEST, rng);
    const ref = forwardSplit([served, twinA, twinB], { x: test.x, n: N_TEST, d: D }, true);
    const session = await createOrtSession(exportBundleOnnx({ served: served.toWeights(), twinA: twinA.toWeights(), twinB: twinB.toWeights() }));
    try {
      const got = await runAll(session, test.x, N_TEST, D);
      expect(got.embedding.length).toBe(N_TEST * 16);
      const diffs = {
        logits: maxAbsDiff(got.logits, ref.logits[0]),
        embedding: maxAbsDiff(got.embedding, ref.embedding[0]),
        twin_a: maxAbsDiff(got.twinA, ref.logits[1]),
        twin_b: maxAbsDiff(got.twinB, ref.logits[2]),
      };
      for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThanOrEqual(TOL);
      // The outputs are not degenerate: logits vary across inputs and some embedding units are active.
      expect(Math.max(...got.logits) - Math.min(...got.logits)).toBeGreaterThan(0.1);
      expect(got.embedding.some((v) => v > 0)).toBe(true);
    } finally {
      await session.release();
    }
  });
});
