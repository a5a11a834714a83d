import { argmax, crossMistake, softmax } from '#shared';
import { tf } from '../backend.js';
import type { Split } from '../data/types.js';
import { forwardSplit } from '../train/forward.js';
import { newNetwork, newOptimizer, optimize } from './common.js';
import { classBalancedWeights, weightedCE } from './losses.js';
import type { Algorithm, AlgorithmContext } from './types.js';
import type { XrmResult } from './xrm-result.js';

/** XRM's flip probability for a held-out posterior p: (max p − 1/K)·K/(K−1) (docs/method.md §1.3 step 5). */
export function flipProbability(p: ArrayLike<number>): number {
  const K = p.length;
  return ((Math.max(...Array.from(p)) - 1 / K) * K) / (K - 1);
}

/** Cross-mistake bit per example: twin A or twin B wrong on the original label (docs/method.md §1.4). */
export function crossMistakes(zA: Float32Array, zB: Float32Array, y: Int32Array, K: number): Uint8Array {
  const rowOf = (z: Float32Array, i: number) => z.subarray(i * K, (i + 1) * K);
  return Uint8Array.from(y, (label, i) => (crossMistake(rowOf(zA, i), rowOf(zB, i), label) ? 1 : 0));
}

/** A split is degenerate unless, within every class present, both e = 0 and e = 1 occur (docs/method.md §1.5). */
export function isDegenerate(y: Int32Array, e: Uint8Array): boolean {
  const seen = new Map<number, number>();
  y.forEach((label, i) => seen.set(label, (seen.get(label) ?? 0) | (e[i] ? 2 : 1)));
  return [...seen.values()].some((bits) => bits !== 3);
}

/**
 * Flip rate on examples neither twin trained on (validation): the share of (example, twin) pairs where the twin
 * contradicts the label with flip probability π ≥ ½ — the labels one flipping step would more likely than not change,
 * measured out of sample and on the final twins (docs/method.md §1.6).
 */
export function heldOutFlipRate(zA: Float32Array, zB: Float32Array, y: Int32Array, K: number): number {
  let flips = 0;
  for (const z of [zA, zB]) {
    for (let i = 0; i < y.length; i++) {
      const p = softmax(z.subarray(i * K, (i + 1) * K));
      if (argmax(p) !== y[i] && flipProbability(p) >= 0.5) flips++;
    }
  }
  return y.length ? flips / (2 * y.length) : 0;
}

export interface XrmAlgorithm extends Algorithm {
  /** Sequential end-of-training pass: held-out logits, cross-mistakes, degenerate check. */
  finish(seed: number): Omit<XrmResult, 'flipCurve'>;
}

/**
 * XRM phase 1 (docs/method.md §1): twins on a Bernoulli(½) assignment, class-balanced loss on the in-sample
 * logits against the dynamic labels, then label flipping from the pre-update held-out logits.
 */
export function createXrm(ctx: AlgorithmContext): XrmAlgorithm {
  const { data, rng } = ctx;
  const K = ctx.arch.numClasses, n = data.train.n;
  const twinA = newNetwork(ctx), twinB = newNetwork(ctx);
  const vars = [...twinA.variables, ...twinB.variables];
  const opt = newOptimizer(ctx, vars);
  const assignment = Uint8Array.from({ length: n }, () => (rng.random() < 0.5 ? 1 : 0));
  const dynamic = Int32Array.from(data.train.y);

  const update: Algorithm['update'] = (b) => {
    const s = tf.tensor2d(Float32Array.from(b.idx, (i) => assignment[i]), [b.idx.length, 1]);
    const yDyn = Int32Array.from(b.idx, (i) => dynamic[i]);
    let heldOut: tf.Tensor2D | null = null;
    const loss = optimize(opt, vars, () => {
      const zA = twinA.logits(b.x), zB = twinB.logits(b.x);
      const notS = tf.sub(1, s);
      heldOut = tf.keep(tf.add(tf.mul(notS, zA), tf.mul(s, zB))) as tf.Tensor2D;
      const inSample = tf.add(tf.mul(s, zA), tf.mul(notS, zB)) as tf.Tensor2D;
      return weightedCE(inSample, tf.tensor1d(yDyn, 'int32'), classBalancedWeights(yDyn), K);
    });
    const ho = (heldOut as unknown as tf.Tensor2D).dataSync();
    tf.dispose([heldOut as unknown as tf.Tensor2D, s]);
    b.idx.forEach((i, j) => {
      const p = softmax(ho.subarray(j * K, (j + 1) * K));
      if (rng.random() < flipProbability(p)) dynamic[i] = argmax(p);
    });
    return loss;
  };

  const flipRate = () => dynamic.reduce((acc, v, i) => acc + (v !== data.train.y[i] ? 1 : 0), 0) / n;

  function finish(seed: number): Omit<XrmResult, 'flipCurve'> {
    const pass = (split: Split) => forwardSplit([twinA, twinB], split).logits;
    const [trA, trB] = pass(data.train);
    const heldOutLogits = new Float32Array(n * K), inSampleLogits = new Float32Array(n * K);
    for (let i = 0; i < n; i++) {
      const [ho, hi] = assignment[i] ? [trB, trA] : [trA, trB];
      heldOutLogits.set(ho.subarray(i * K, (i + 1) * K), i * K);
      inSampleLogits.set(hi.subarray(i * K, (i + 1) * K), i * K);
    }
    const e = (split: Split, [zA, zB]: Float32Array[]) => crossMistakes(zA, zB, split.y, K);
    const vaLogits = pass(data.val);
    const train = e(data.train, [trA, trB]), val = e(data.val, vaLogits), test = e(data.test, pass(data.test));
    const degenerate = isDegenerate(data.train.y, train) || isDegenerate(data.val.y, val);
    return {
      hparams: ctx.hp,
      seed,
      flipRate: degenerate ? 0 : flipRate(),
      valFlipRate: degenerate ? 0 : heldOutFlipRate(vaLogits[0], vaLogits[1], data.val.y, K),
      degenerate,
      assignment,
      heldOutLogits,
      inSampleLogits,
      crossMistakes: { train, val, test },
      flippedLabels: dynamic,
      twinA: twinA.toWeights(),
      twinB: twinB.toWeights(),
    };
  }

  return {
    predictor: twinA,
    update,
    checkpointLog: () => ({ flipRate: flipRate() }),
    finish,
    dispose() {
      opt.dispose();
      twinA.dispose();
      twinB.dispose();
    },
  };
}
