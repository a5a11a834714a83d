import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelProbabilities, memorizationScores, randomHalves } from '../../trainer/src/memorization/feldman.js';
import { RandomState } from '../../trainer/src/random.js';

describe('memorizationScores = mean p over in-models − mean p over out-models (docs/method.md §3.1, §3.3)', () => {
  it('hand case with 4 models and 3 examples', () => {
    // ex0: in m0 (0.9), m2 (0.7); out m1 (0.2), m3 (0.4) ⇒ 0.8 − 0.3 = 0.5
    // ex1: in m0 (0.6); out m1 (0.6), m2 (0.3), m3 (0.0) ⇒ 0.6 − 0.3 = 0.3
    // ex2: in m1, m2, m3 (0.1, 0.2, 0.3); out m0 (0.8)    ⇒ 0.2 − 0.8 = −0.6
    const probs = [Float32Array.of(0.9, 0.6, 0.8), Float32Array.of(0.2, 0.6, 0.1), Float32Array.of(0.7, 0.3, 0.2), Float32Array.of(0.4, 0.0, 0.3)];
    const member = [Uint8Array.of(1, 1, 0), Uint8Array.of(0, 0, 1), Uint8Array.of(1, 0, 1), Uint8Array.of(0, 0, 1)];
    const m = memorizationScores(probs, member);
    expect(m[0]).toBeCloseTo(0.5, 6);
    expect(m[1]).toBeCloseTo(0.3, 6);
    expect(m[2]).toBeCloseTo(-0.6, 6);
  });

  it('the doc example: one in-model 0.9, one out-model 0.2 ⇒ 0.7', () => {
    expect(memorizationScores([Float32Array.of(0.9), Float32Array.of(0.2)], [Uint8Array.of(1), Uint8Array.of(0)])[0]).toBeCloseTo(0.7, 6);
  });

  it('NaN when an example has no in-model or no out-model', () => {
    const probs = [Float32Array.of(0.9, 0.5, 0.4), Float32Array.of(0.8, 0.5, 0.1)];
    const member = [Uint8Array.of(1, 0, 1), Uint8Array.of(1, 0, 0)];
    const m = memorizationScores(probs, member);
    expect(Number.isNaN(m[0])).toBe(true); // in both models
    expect(Number.isNaN(m[1])).toBe(true); // in neither
    expect(m[2]).toBeCloseTo(0.3, 6); // 0.4 − 0.1
  });

  it('throws when the number of membership vectors differs from the number of models', () => {
    expect(() => memorizationScores([Float32Array.of(0.5)], [])).toThrow();
  });

  it('property: with complementary halves, scores are finite and lie in [−1, 1]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (n, pairs, seed) => {
          const member = randomHalves(n, pairs, new RandomState(seed));
          const probRng = new RandomState((seed + 1) >>> 0);
          const probs = member.map(() => Float32Array.from({ length: n }, () => probRng.random()));
          for (const v of memorizationScores(probs, member)) {
            expect(Number.isFinite(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(-1);
            expect(v).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('randomHalves: complementary pairs (docs/method.md §3.3)', () => {
  it('every example is in exactly one model of every pair, about half of the data per model', () => {
    const n = 10_000, pairs = 3;
    const member = randomHalves(n, pairs, new RandomState(7));
    expect(member).toHaveLength(2 * pairs);
    for (let j = 0; j < pairs; j++) {
      const [a, b] = [member[2 * j], member[2 * j + 1]];
      let notComplementary = 0;
      for (let i = 0; i < n; i++) if (a[i] + b[i] !== 1) notComplementary++;
      expect(notComplementary).toBe(0);
      // Binomial(10000, ½): sd = 50 ⇒ 5000 ± 300 is a 6-sigma band
      const inA = a.reduce((s, v) => s + v, 0);
      expect(Math.abs(inA - n / 2)).toBeLessThan(300);
    }
    // Different pairs draw different splits.
    let differ = 0;
    for (let i = 0; i < n; i++) differ += member[0][i] !== member[2][i] ? 1 : 0;
    expect(differ).toBeGreaterThan(4000);
  });

  it('is deterministic given the seed and uses s_i = 1[random() < ½]', () => {
    const a = randomHalves(50, 2, new RandomState(3)), b = randomHalves(50, 2, new RandomState(3));
    expect(a.map((v) => Array.from(v))).toEqual(b.map((v) => Array.from(v)));
    // First pair from RandomState(0): first draw 0.548814 ≥ ½ ⇒ s_0 = 0, so model 0 excludes ex 0 and model 1 includes it.
    const m = randomHalves(1, 1, new RandomState(0));
    expect([m[0][0], m[1][0]]).toEqual([0, 1]);
  });
});

describe('labelProbabilities = softmax(z_i)[y_i]', () => {
  it('hand cases', () => {
    // K = 2: z = [ln3, 0], y = 0 ⇒ 3/4;  z = [ln3, 0], y = 1 ⇒ 1/4
    expect(Array.from(labelProbabilities(Float32Array.of(Math.log(3), 0, Math.log(3), 0), Int32Array.of(0, 1), 2)).map((v) => +v.toFixed(6))).toEqual([0.75, 0.25]);
    // K = 3: z = [0, ln2, ln5] ⇒ exp = [1, 2, 5] / 8 ⇒ y = 2 ⇒ 5/8;  z = [0,0,0] ⇒ 1/3
    const p = labelProbabilities(Float32Array.of(0, Math.log(2), Math.log(5), 0, 0, 0), Int32Array.of(2, 1), 3);
    expect(p[0]).toBeCloseTo(0.625, 6);
    expect(p[1]).toBeCloseTo(1 / 3, 6);
  });
});
