import { describe, expect, it } from 'vitest';
import {
  exemplarsByLabel,
  expectedLabelNeighbours,
  heldOutPosterior,
  labelFreeMemorization,
  labelledMemorization,
  neighbourMemorization,
  reliance,
  relianceBucket,
  shortcutPosterior,
  twinDisagreement,
  type ExemplarTable,
} from '#shared';

const cal = (tau: number, matrix: number[][]) => ({ tau, matrix, classPriors: matrix.map(() => 1 / matrix.length), epsilon: 1e-6 });

describe('shortcutPosterior q = ½(softmax(a/τ) + softmax(b/τ))·C (docs/method.md §7.2)', () => {
  it('K = 2 hand case at τ = 1 and the same with τ = 0.5', () => {
    // softmax([ln3, 0]) = [0.75, 0.25]; softmax([0, 0]) = [0.5, 0.5]; mean = [0.625, 0.375]
    // C = [[0.9, 0.1], [0.2, 0.8]] ⇒ q = [0.625·0.9 + 0.375·0.2, 0.625·0.1 + 0.375·0.8] = [0.6375, 0.3625]
    const C = [[0.9, 0.1], [0.2, 0.8]];
    const q1 = shortcutPosterior([Math.log(3), 0], [0, 0], cal(1, C));
    expect(q1[0]).toBeCloseTo(0.6375, 12);
    expect(q1[1]).toBeCloseTo(0.3625, 12);
    // a/τ with a = [ln3/2, 0], τ = 0.5 is again [ln3, 0]
    const q2 = shortcutPosterior([Math.log(3) / 2, 0], [0, 0], cal(0.5, C));
    expect(q2[0]).toBeCloseTo(0.6375, 12);
  });

  it('tiny τ: twins that disagree give the average of the two C rows', () => {
    // τ = 0.001 ⇒ one-hots [1,0,0] and [0,0,1] ⇒ mean [½, 0, ½] ⇒ q = ½(C[0] + C[2])
    const C = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]];
    const q = shortcutPosterior([2, 1, 0], [0, 1, 3], cal(0.001, C));
    [0.5, 0.25, 0.25].forEach((v, c) => expect(q[c]).toBeCloseTo(v, 12));
  });

  it('heldOutPosterior = softmax(z/τ)·C (one twin)', () => {
    // softmax([ln3, 0]) = [0.75, 0.25] ⇒ [0.75·0.9 + 0.25·0.2, 0.75·0.1 + 0.25·0.8] = [0.725, 0.275]
    const q = heldOutPosterior([Math.log(3), 0], { tau: 1, matrix: [[0.9, 0.1], [0.2, 0.8]] });
    expect(q[0]).toBeCloseTo(0.725, 12);
    expect(q[1]).toBeCloseTo(0.275, 12);
  });
});

describe('twinDisagreement = ½‖softmax(a) − softmax(b)‖₁', () => {
  it('hand cases', () => {
    // [0.75, 0.25] vs [0.25, 0.75] ⇒ ½(0.5 + 0.5) = 0.5
    expect(twinDisagreement([Math.log(3), 0], [0, Math.log(3)])).toBeCloseTo(0.5, 12);
    // identical twins ⇒ 0 (also when logits differ by a constant)
    expect(twinDisagreement([1, 2, 3], [11, 12, 13])).toBeCloseTo(0, 12);
    // K = 3: [1/3, 1/3, 1/3] vs softmax([ln2, 0, 0]) = [1/2, 1/4, 1/4] ⇒ |diffs| = [1/6, 1/12, 1/12] ⇒ ½·(1/3) = 1/6
    expect(twinDisagreement([0, 0, 0], [Math.log(2), 0, 0])).toBeCloseTo(1 / 6, 12);
    // maximal disagreement approaches 1
    expect(twinDisagreement([50, -50], [-50, 50])).toBeCloseTo(1, 9);
  });
});

describe('reliance = clip((q[label] − 1/K)·K/(K−1), 0, 1)', () => {
  it('0 when q is uniform or opposed to the label, 1 when certain', () => {
    expect(reliance([0.5, 0.5], 0)).toBeCloseTo(0, 12);
    expect(reliance([0.2, 0.8], 0)).toBe(0); // (0.2 − 0.5)·2 = −0.6 ⇒ clipped to 0
    expect(reliance([1, 0], 0)).toBeCloseTo(1, 12);
    expect(reliance([0, 0, 1], 2)).toBeCloseTo(1, 12);
    expect(reliance([0.9, 0.1], 0)).toBeCloseTo(0.8, 12); // 2·0.9 − 1
  });

  it('K = 3 hand case', () => {
    // q = [0.5, 0.3, 0.2]: label 0 ⇒ (0.5 − 1/3)·3/2 = 0.25; label 1 ⇒ (0.3 − 1/3)·3/2 = −0.05 ⇒ 0
    expect(reliance([0.5, 0.3, 0.2], 0)).toBeCloseTo(0.25, 12);
    expect(reliance([0.5, 0.3, 0.2], 1)).toBe(0);
  });
});

describe('relianceBucket: first upper edge ≥ r', () => {
  it('hand cases with edges [0.25, 0.5, 1]', () => {
    const edges = [0.25, 0.5, 1];
    expect(relianceBucket(0, edges)).toBe(0);
    expect(relianceBucket(0.25, edges)).toBe(0); // an edge is inclusive
    expect(relianceBucket(0.2500001, edges)).toBe(1);
    expect(relianceBucket(0.5, edges)).toBe(1);
    expect(relianceBucket(0.75, edges)).toBe(2);
    expect(relianceBucket(1, edges)).toBe(2);
    expect(relianceBucket(1.5, edges)).toBe(2); // above every edge ⇒ last bucket
  });
});

describe('neighbourMemorization: softmax(sim/T)-weighted mean over the k most cosine-similar exemplars', () => {
  // Unit exemplars e0 = [1, 0], e1 = [0, 1], e2 = [0.6, 0.8] with scores 0.1, 0.5, 0.9.
  // Query [3, 4] ⇒ normalised [0.6, 0.8] ⇒ cosine similarities: e0 0.6, e1 0.8, e2 1.0.
  const table: ExemplarTable = {
    count: 3,
    dim: 2,
    embeddings: Float32Array.of(1, 0, 0, 1, 0.6, 0.8),
    ids: [10, 11, 12],
    labels: [0, 1, 1],
    scores: [0.1, 0.5, 0.9],
    inferredGroups: [0, 2, 3],
  };

  it('k = 2, T = 0.1: top = e2, e1 with weights softmax([10, 8])', () => {
    // w = [1, e^−2] / (1 + e^−2) = [0.880797, 0.119203] ⇒ score = 0.880797·0.9 + 0.119203·0.5 = 0.852319
    const r = neighbourMemorization([3, 4], table, 2, 0.1);
    expect(r.score).toBeCloseTo(0.852319, 5);
    expect(r.score).toBeCloseTo((0.9 + 0.5 * Math.exp(-2)) / (1 + Math.exp(-2)), 6);
    expect(r.neighbours.map((n) => n.id)).toEqual([12, 11]);
    expect(r.neighbours.map((n) => n.index)).toEqual([2, 1]);
    expect(r.neighbours[0].similarity).toBeCloseTo(1, 6);
    expect(r.neighbours[1].similarity).toBeCloseTo(0.8, 6);
    expect(r.neighbours.map((n) => [n.label, n.score])).toEqual([[1, 0.9], [1, 0.5]]);
  });

  it('k = 3, T = 1: all three with weights softmax([1.0, 0.8, 0.6])', () => {
    // e^0 = 1, e^−0.2 = 0.818731, e^−0.4 = 0.670320; sum = 2.489051
    // w = [0.401759, 0.328931, 0.269309] ⇒ score = 0.361583 + 0.164466 + 0.026931 = 0.552980
    const r = neighbourMemorization([3, 4], table, 3, 1);
    expect(r.score).toBeCloseTo(0.55298, 5);
    expect(r.neighbours.map((n) => n.id)).toEqual([12, 11, 10]);
  });

  it('keeps the k best when a later exemplar beats an earlier one', () => {
    // Query [1, −0.1] ⇒ normalised [0.995037, −0.099504] ⇒ sims: e0 0.995037, e1 −0.099504, e2 0.597022 − 0.079603 = 0.517419
    // k = 1 ⇒ e0 only ⇒ score 0.1
    const r1 = neighbourMemorization([1, -0.1], table, 1, 0.5);
    expect(r1.score).toBeCloseTo(0.1, 6);
    expect(r1.neighbours.map((n) => n.id)).toEqual([10]);
    // k = 2 ⇒ e1 is pushed out by e2 ⇒ [e0, e2]; T = 1: w = [1, e^(0.517419 − 0.995037)] / Σ = [1, 0.620259]/1.620259 = [0.617185, 0.382815]
    // score = 0.617185·0.1 + 0.382815·0.9 = 0.061719 + 0.344533 = 0.406252
    const r2 = neighbourMemorization([1, -0.1], table, 2, 1);
    expect(r2.neighbours.map((n) => n.id)).toEqual([10, 12]);
    expect(r2.score).toBeCloseTo(0.406252, 5);
  });

  it('k larger than the table uses every exemplar; an empty table scores 0', () => {
    expect(neighbourMemorization([3, 4], table, 10, 1).neighbours).toHaveLength(3);
    const empty: ExemplarTable = { count: 0, dim: 2, embeddings: new Float32Array(0), ids: [], labels: [], scores: [], inferredGroups: [] };
    expect(neighbourMemorization([1, 0], empty, 3, 1)).toEqual({ score: 0, neighbours: [] });
  });
});

describe('label-aware memorization (what /v1/evaluate serves for a new labelled input)', () => {
  // e0 = [1, 0] label 0 score 0.1; e1 = [0, 1] label 1 score 0.5; e2 = [0.6, 0.8] label 1 score 0.9.
  const table: ExemplarTable = {
    count: 3, dim: 2, embeddings: Float32Array.of(1, 0, 0, 1, 0.6, 0.8), ids: [10, 11, 12], labels: [0, 1, 1], scores: [0.1, 0.5, 0.9], inferredGroups: [0, 2, 3],
  };
  const byLabel = exemplarsByLabel(table, 2);

  it('exemplarsByLabel splits rows by label, keeping their order and embeddings', () => {
    expect(byLabel.map((t) => t.ids)).toEqual([[10], [11, 12]]);
    expect(Array.from(byLabel[1].embeddings)).toEqual(Array.from(Float32Array.of(0, 1, 0.6, 0.8)));
    expect(byLabel[1].scores).toEqual([0.5, 0.9]);
    expect(exemplarsByLabel(table, 3)[2].count).toBe(0);
  });

  it('is ½(1 − p(y|x)) + ½ · neighbours among exemplars of label y only', () => {
    // Query [3, 4], label 0: the only label-0 exemplar is e0 (score 0.1) even though e2 is nearer; p(0|x) = 0.2.
    expect(labelledMemorization([0.2, 0.8], [3, 4], 0, byLabel, 2, 0.1)).toBeCloseTo(0.5 * 0.8 + 0.5 * 0.1, 9);
    // Label 1: e2, e1 with weights softmax([10, 8]) ⇒ 0.852319 (as above); p(1|x) = 0.8.
    expect(labelledMemorization([0.2, 0.8], [3, 4], 1, byLabel, 2, 0.1)).toBeCloseTo(0.5 * 0.2 + 0.5 * 0.852319, 5);
  });
});

describe('label-free memorization (what /v1/predict serves for a new input)', () => {
  // Same exemplars as above: e0 = [1, 0] label 0 score 0.1; e1 = [0, 1] label 1 score 0.5; e2 = [0.6, 0.8] label 1 score 0.9.
  const table: ExemplarTable = {
    count: 3, dim: 2, embeddings: Float32Array.of(1, 0, 0, 1, 0.6, 0.8), ids: [10, 11, 12], labels: [0, 1, 1], scores: [0.1, 0.5, 0.9], inferredGroups: [0, 2, 3],
  };
  const byLabel = exemplarsByLabel(table, 2);
  // Query [3, 4], k = 2, T = 0.1: label 0 ⇒ e0 alone (0.1); label 1 ⇒ e2, e1 with weights softmax([10, 8]) ⇒ 0.852319.

  it('expectedLabelNeighbours = Σ_c p(c|x) · same-label neighbour estimate', () => {
    expect(expectedLabelNeighbours([0.2, 0.8], [3, 4], byLabel, 2, 0.1)).toBeCloseTo(0.2 * 0.1 + 0.8 * 0.852319, 5);
    // A confident prediction of class 0 reads the label-0 exemplar only, though the label-1 ones are nearer.
    expect(expectedLabelNeighbours([1, 0], [3, 4], byLabel, 2, 0.1)).toBeCloseTo(0.1, 9);
    // A class without exemplars contributes 0, as in labelledMemorization.
    expect(expectedLabelNeighbours([0.5, 0.5], [3, 4], [byLabel[0], { ...byLabel[1], count: 0, embeddings: new Float32Array(0), ids: [], labels: [], scores: [], inferredGroups: [], rows: [] }], 2, 0.1)).toBeCloseTo(0.05, 9);
  });

  it('labelFreeMemorization follows the bundle\'s estimator; older bundles (no estimator) keep the nearest of any label', () => {
    const expected = labelFreeMemorization({ k: 2, temperature: 0.1, estimator: 'expected_label' }, [0.7, 0.3], [3, 4], table, byLabel);
    expect(expected.score).toBeCloseTo(0.7 * 0.1 + 0.3 * 0.852319, 5);
    const old = labelFreeMemorization({ k: 2, temperature: 0.1 }, [0.7, 0.3], [3, 4], table, byLabel);
    expect(old.score).toBeCloseTo(0.852319, 5);
    expect(labelFreeMemorization({ k: 2, temperature: 0.1, estimator: 'nearest' }, [0.7, 0.3], [3, 4], table, byLabel).score).toBe(old.score);
    // `nearest` (what explain shows) is the same search of the whole table in both.
    expect(expected.nearest).toEqual(old.nearest);
    expect(expected.nearest.neighbours.map((n) => n.id)).toEqual([12, 11]);
  });
});
