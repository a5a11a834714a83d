import { afterAll, describe, expect, it } from 'vitest';
import { resolveHparams } from '../../trainer/src/algorithms/registry.js';
import type { TrainingProfile } from '../../trainer/src/algorithms/types.js';
import { initBackend, tf } from '../../trainer/src/backend.js';
import { buildSynthetic } from '../../trainer/src/data/synthetic.js';
import { fusedAdam } from '../../trainer/src/model/blas-adam.js';
import { biasRelu } from '../../trainer/src/model/blas-bias-relu.js';
import { loadNativeBlas } from '../../trainer/src/model/native-blas.js';
import { RandomState } from '../../trainer/src/random.js';
import { runAlgorithm, type CurvePoint } from '../../trainer/src/train/run.js';

/**
 * The BLAS path (OpenBLAS sgemm as tfjs' MatMul on the wasm backend) against plain wasm. Both compute the same float32
 * arithmetic; only the summation order inside each matrix product differs (OpenBLAS's blocked FMA kernels vs
 * XNNPACK's), a relative rounding difference of ~1e-7 per product. Over the steps of a training run that compounds
 * to well under 1e-4 on the loss (measured: see the assertions' messages), so 1e-3 leaves room for other CPUs' kernels
 * while any real mistake (a wrong transpose flag, a stale heap view, an offset off by a row) moves losses by O(0.1).
 * Accuracies are compared within the same 1e-3: on 1000-example splits that means identical predictions on all but
 * at most one near-tied example.
 */
const native = loadNativeBlas();
if (!native.blas) console.log(`trainer-blas.test.ts skipped: native BLAS is unavailable: ${native.error} (apt-get install libopenblas-dev; npm run build:blas)`);

describe.skipIf(!native.blas)('native BLAS trainer path', () => {
  afterAll(async () => {
    await initBackend('wasm');
  });

  /** a·b for random operands under every transpose flag and batch broadcast, and sums, on the active backend. */
  function products(): Float32Array[] {
    const rng = new RandomState(7);
    const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()), shape);
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true],
      [[4, 5, 7], [4, 7, 3], false, false],
      [[4, 5, 7], [1, 3, 7], false, true],
      [[1, 7, 5], [4, 7, 3], true, false],
      [[64, 392], [392, 390], false, false],
      [[0, 7], [7, 3], false, false],
      [[5, 0], [0, 3], false, false],
    ];
    const products = cases.map(([sa, sb, ta, tb]) => tf.tidy(() => tf.matMul(rand(sa), rand(sb), ta, tb).dataSync() as Float32Array));
    // Column sums (bias gradients: sgemm with a row of ones on the BLAS path), and sums the BLAS path leaves to tfjs.
    const sums = [
      tf.tidy(() => tf.sum(rand([256, 390]), 0).dataSync() as Float32Array),
      tf.tidy(() => tf.sum(rand([64, 2]), -2, true).dataSync() as Float32Array),
      tf.tidy(() => tf.sum(rand([64, 5]), 1).dataSync() as Float32Array),
      tf.tidy(() => tf.sum(rand([3, 4, 5]), 0).dataSync() as Float32Array),
      tf.tidy(() => tf.sum(rand([0, 5]), 0).dataSync() as Float32Array),
    ];
    return [...products, ...sums];
  }

  it('computes tfjs MatMul (every transpose flag, batched and broadcast) and Sum as the wasm kernels do', async () => {
    expect(await initBackend('wasm')).toBe('wasm');
    const reference = products();
    expect(await initBackend('blas')).toMatch(/^blas \(OpenBLAS/);
    const blas = products();
    reference.forEach((r, i) => {
      expect(blas[i].length).toBe(r.length);
      if (r.length === 0 || r.every((v) => v === 0)) return expect([...blas[i]]).toEqual([...r]); // empty operands
      // Normwise: the largest difference against the largest entry (float32 rounding, whatever the summation order).
      let worst = 0, scale = 0;
      for (let k = 0; k < r.length; k++) {
        worst = Math.max(worst, Math.abs(blas[i][k] - r[k]));
        scale = Math.max(scale, Math.abs(r[k]));
      }
      expect(worst / scale, `case ${i}`).toBeLessThan(1e-5);
    });
  });

  it('the fused Adam step computes what the tfjs ops of model/optimizer.ts compute', async () => {
    await initBackend('blas');
    const rng = new RandomState(11);
    const rand = (scale: number) => tf.tensor2d(Float32Array.from({ length: 390 * 37 }, () => scale * rng.normal()), [390, 37]);
    const [w, g, m] = [rand(1), rand(0.1), rand(0.01)];
    const s = tf.abs(rand(1e-3));
    const a = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3 };
    const [w1, m1, s1] = fusedAdam(w, g, m, s, a);
    const g1 = tf.add(g, tf.mul(w, a.weightDecay));
    const mRef = tf.add(tf.mul(m, a.beta1), tf.mul(g1, 1 - a.beta1));
    const sRef = tf.add(tf.mul(s, a.beta2), tf.mul(tf.square(g1), 1 - a.beta2));
    const wRef = tf.sub(w, tf.mul(tf.div(mRef, tf.add(tf.sqrt(tf.div(sRef, a.c2)), a.eps)), a.lr / a.c1));
    for (const [got, want, name] of [[w1, wRef, 'w'], [m1, mRef, 'm'], [s1, sRef, 's']] as const) {
      const [x, y] = [got.dataSync(), want.dataSync()];
      let worst = 0;
      for (let k = 0; k < y.length; k++) worst = Math.max(worst, Math.abs(x[k] - y[k]) / (Math.abs(y[k]) + 1e-30));
      expect(worst, name).toBeLessThan(1e-6);
    }
    // The step moved the weights (a no-op kernel would pass the comparison of m and s only).
    expect(tf.max(tf.abs(tf.sub(w1, w))).dataSync()[0]).toBeGreaterThan(1e-4);
    tf.dispose([w, g, m, s, w1, m1, s1, g1, mRef, sRef, wRef]);
  });

  it('the fused bias+ReLU and its gradient compute what tf.relu(tf.add(z, b)) and its tfjs gradient compute on wasm', async () => {
    const rng = new RandomState(5);
    const [zData, bData, rData] = [256 * 390, 390, 256 * 390].map((n) => Float32Array.from({ length: n }, () => rng.normal()));
    // y, ∂Σ(y·r)/∂z and ∂Σ(y·r)/∂b: r as the upstream gradient, so the mask and the column sum both show.
    const run = (layer: (z: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D) => tf.tidy(() => {
      const z = tf.tensor2d(zData, [256, 390]), b = tf.tensor1d(bData), r = tf.tensor2d(rData, [256, 390]);
      const { value, grads } = tf.valueAndGrads((zz: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(layer(zz as tf.Tensor2D, bb as tf.Tensor1D), r)))([z, b]);
      return [layer(z, b).dataSync() as Float32Array, grads[0].dataSync() as Float32Array, grads[1].dataSync() as Float32Array, value.dataSync() as Float32Array];
    });
    await initBackend('wasm');
    const [y0, dz0, db0] = run((z, b) => tf.relu(tf.add(z, b)) as tf.Tensor2D);
    await initBackend('blas');
    const [y1, dz1, db1] = run(biasRelu);
    // The same float32 operations elementwise: identical; the bias gradient's column sum differs by summation order.
    expect(y1).toEqual(y0);
    expect(dz1).toEqual(dz0);
    expect(y0.some((v) => v === 0) && y0.some((v) => v > 0)).toBe(true); // both sides of the ReLU exercised
    let worst = 0, scale = 0;
    for (let j = 0; j < db0.length; j++) {
      worst = Math.max(worst, Math.abs(db1[j] - db0[j]));
      scale = Math.max(scale, Math.abs(db0[j]));
    }
    expect(worst / scale).toBeLessThan(1e-5);
    const bad = tf.tensor1d([1, 2, 3]);
    expect(() => biasRelu(tf.zeros([4, 5]) as tf.Tensor2D, bad)).toThrow(/bias\+ReLU: z is float32 4,5, b float32 3/);
    tf.dispose(bad);
  });

  it('Identity shares data on the BLAS path: a clone keeps its values after the original is disposed, and frees with the last reference', async () => {
    await initBackend('blas');
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    const x = tf.tensor2d(Float32Array.from({ length: 390 * 392 }, (_, i) => i % 97), [390, 392]);
    const y = tf.clone(x);
    // One buffer for both: a copying Identity would have allocated a second one.
    expect(buffers() - before).toBe(1);
    x.dispose();
    expect(buffers() - before).toBe(1);
    const v = y.dataSync();
    expect(v[0]).toBe(0);
    expect(v[390 * 392 - 1]).toBe((390 * 392 - 1) % 97);
    y.dispose();
    expect(buffers()).toBe(before);
  });

  // Adam (the Colored MNIST profile's optimizer, fused on the BLAS path) and plain SGD, which, unlike Adam,
  // is not invariant to the scale of a gradient: a wrong bias gradient shows in its loss curve.
  it.each([
    ['adam', 1e-3],
    ['sgd', 1e-2],
  ] as const)('the same seed gives the same ERM loss curve and accuracies on blas and wasm (MLP 1800→390→390→2, %s)', async (optimizer, lr) => {
    const data = buildSynthetic({ noiseStd: 0.5 });
    const profile: TrainingProfile = { name: 'parity-mlp', hidden: [390, 390], bias: true, init: 'xavier', optimizer, steps: 120, checkpointFreq: 20, fullBatch: false };
    const run = async (backend: 'wasm' | 'blas') => {
      expect(await initBackend(backend)).toMatch(backend === 'wasm' ? /^wasm$/ : /^blas /);
      const losses: number[] = [];
      const hparams = resolveHparams('erm', profile, null, { lr });
      const r = await runAlgorithm({ data, profile, algorithm: 'erm', hparams, seed: 3, onStep: (_s, _t, l) => losses.push(l) });
      return { losses, curve: r.curve };
    };
    const wasm = await run('wasm');
    const blas = await run('blas');
    expect(blas.losses.length).toBe(profile.steps);
    const lossGap = Math.max(...wasm.losses.map((l, i) => Math.abs(l - blas.losses[i])));
    expect(lossGap, `max per-step loss gap ${lossGap.toExponential(2)}`).toBeLessThan(1e-3);
    // The run learned something (a loss curve that stays flat would make the comparison vacuous).
    expect(wasm.losses.at(-1)!).toBeLessThan(0.5 * wasm.losses[0]);
    const metrics: (keyof CurvePoint)[] = ['va_avg', 'va_wga', 'te_avg', 'te_wga'];
    wasm.curve.forEach((p, i) => {
      // + 1e-9: one example of 1000 differs by exactly 1e-3 up to float rounding.
      for (const m of metrics) expect(Math.abs((p[m] as number) - (blas.curve[i][m] as number)), `${m} at step ${p.step}`).toBeLessThanOrEqual(1e-3 + 1e-9);
    });
    console.log(`blas vs wasm (${optimizer}): max loss gap ${lossGap.toExponential(2)} over ${profile.steps} steps`);
  }, 300_000);
});
