import { describe, expect, it } from 'vitest';
import { applyIntervention, float32ToBase64, Intervention, interventionAnswer, prepareIntervention } from '#shared';

const apply = (iv: unknown, raw: number[], dim = raw.length) => applyIntervention(prepareIntervention(Intervention.parse(iv), dim), raw).map((r) => Array.from(r));

describe('applyIntervention', () => {
  it('permutes image channels (Colored MNIST colour swap)', () => {
    const iv = { kind: 'channel-permutation', column: 'colour', description: 'swap', permutation: [1, 0], plane: 2 } as const;
    expect(apply(iv, [1, 2, 3, 4])).toEqual([[3, 4, 1, 2]]);
    // Three channels, a cycle: channel c of x' is channel permutation[c] of x.
    expect(apply({ ...iv, permutation: [2, 0, 1], plane: 1 }, [10, 20, 30])).toEqual([[30, 10, 20]]);
  });

  it('swaps a binary column, reading a value as the nearer of the two', () => {
    const iv = { kind: 'binary', column: 'urban', description: 'swap', index: 1, values: [0, 1] } as const;
    expect(apply(iv, [5, 0, 7])).toEqual([[5, 1, 7]]);
    expect(apply(iv, [5, 1, 7])).toEqual([[5, 0, 7]]);
    expect(apply(iv, [5, 0.9, 7])).toEqual([[5, 0, 7]]);
  });

  it('gives each other category of a code column, and of a one-hot group', () => {
    const code = { kind: 'categorical', column: 'city', description: 'each other city', categories: ['a', 'b', 'c'], encoding: { type: 'code', index: 0, codes: [0, 1, 2] } } as const;
    expect(apply(code, [1, 9])).toEqual([[0, 9], [2, 9]]);
    const oneHot = { kind: 'categorical', column: 'city', description: 'each other city', categories: ['a', 'b', 'c'], encoding: { type: 'one-hot', indices: [1, 2, 3] } } as const;
    expect(apply(oneHot, [9, 0, 0, 1])).toEqual([[9, 1, 0, 0], [9, 0, 1, 0]]);
    expect(() => Intervention.parse({ ...oneHot, encoding: { type: 'one-hot', indices: [1, 2] } })).toThrow(/one entry per category/);
  });

  it('mirrors a numeric column through the class-balanced quantiles (K = 3)', () => {
    // Three classes, each uniform on its own interval: the balanced CDF is uniform on [0, 3], so v ↦ 3 − v.
    const levels = [0, 0.5, 1];
    const iv = { kind: 'numeric', column: 's', description: 'mirror', index: 0, levels, quantiles: [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]] } as const;
    for (const v of [0, 0.4, 1.5, 2.2, 3]) expect(apply(iv, [v, 7])[0][0]).toBeCloseTo(3 - v, 5);
    expect(apply(iv, [-5, 7])).toEqual([[3, 7]]);
  });

  it('moves along the estimated direction by 1 − 2â', () => {
    const w = Float32Array.from([0.5, 0]), delta = Float32Array.from([2, -1]);
    const iv = { kind: 'estimated', column: 'group', description: 'estimated', values: ['a', 'b'], weights: float32ToBase64(w), direction: float32ToBase64(delta), bias: 0, n: 10 } as const;
    // â = clip(0.5·x₀, 0, 1): x₀ = 2 is attribute b for sure, moved by −δ; x₀ = 0 is a, moved by +δ; x₀ = 1 stays.
    expect(apply(iv, [2, 0])).toEqual([[0, 1]]);
    expect(apply(iv, [0, 0])).toEqual([[2, -1]]);
    expect(apply(iv, [1, 3])).toEqual([[1, 3]]);
    expect(() => prepareIntervention(Intervention.parse(iv), 3)).toThrow(/expected 3/);
  });
});

describe('interventionAnswer', () => {
  it('is the largest total-variation change and flips when any argmax moves (K = 3)', () => {
    const logits = [2, 0, 0];
    expect(interventionAnswer(logits, [logits])).toEqual({ change: 0, flip: false });
    const far = interventionAnswer(logits, [[2, 0, 0], [0, 0, 3]]);
    expect(far.flip).toBe(true);
    const p = [Math.exp(2), 1, 1].map((v) => v / (Math.exp(2) + 2)), q = [1, 1, Math.exp(3)].map((v) => v / (Math.exp(3) + 2));
    expect(far.change).toBeCloseTo(0.5 * p.reduce((s, pk, k) => s + Math.abs(pk - q[k]), 0), 12);
    expect(interventionAnswer(logits, [[1.5, 0, 0.2]]).flip).toBe(false);
  });
});
