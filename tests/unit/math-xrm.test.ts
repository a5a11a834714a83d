import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossMistakes, flipProbability, isDegenerate } from '../../trainer/src/algorithms/xrm.js';

describe('flipProbability π = (max p − 1/K)·K/(K−1) (docs/method.md §1.3 step 5)', () => {
  it('K = 2 reduces to 2q − 1', () => {
    // q = 0.8 ⇒ (0.8 − 0.5)·2/1 = 0.6 = 2·0.8 − 1
    expect(flipProbability([0.8, 0.2])).toBeCloseTo(0.6, 12);
    expect(flipProbability([0.1, 0.9])).toBeCloseTo(0.8, 12);
    expect(flipProbability([1, 0])).toBeCloseTo(1, 12);
  });

  it('q = 1/K gives 0 (uniform posterior never flips)', () => {
    expect(flipProbability([0.5, 0.5])).toBeCloseTo(0, 12);
    expect(flipProbability([1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(0, 12);
    expect(flipProbability([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(0, 12);
  });

  it('K = 3 hand case', () => {
    // q = 0.6 ⇒ (0.6 − 1/3)·3/2 = (0.266667)·1.5 = 0.4
    expect(flipProbability([0.1, 0.6, 0.3])).toBeCloseTo(0.4, 12);
    // q = 1 ⇒ (2/3)·3/2 = 1
    expect(flipProbability(Float64Array.of(0, 0, 1))).toBeCloseTo(1, 12);
  });

  it('property: K = 2 equals 2·max − 1, and π ∈ [0, 1] for any probability vector', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (p) => {
        expect(flipProbability([p, 1 - p])).toBeCloseTo(2 * Math.max(p, 1 - p) - 1, 12);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 2, maxLength: 10 }), (w) => {
        const s = w.reduce((a, b) => a + b, 0);
        const pi = flipProbability(w.map((v) => v / s));
        expect(pi).toBeGreaterThanOrEqual(-1e-12);
        expect(pi).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });
});

describe('crossMistakes: twin A or twin B wrong on the ORIGINAL label (docs/method.md §1.4)', () => {
  it('covers both-right, A-wrong, B-wrong, both-wrong and a tie (argmax takes the first index)', () => {
    const K = 2;
    const y = Int32Array.of(0, 0, 1, 1, 1);
    //           ex0: A→0 B→0 ✓✓ ⇒ 0 | ex1: A→1 ✗ B→0 ✓ ⇒ 1 | ex2: A→1 ✓ B→0 ✗ ⇒ 1 | ex3: A→0 ✗ B→0 ✗ ⇒ 1 | ex4: A tie→0 ✗ B→1 ✓ ⇒ 1
    const zA = Float32Array.of(2, 1, /**/ 0, 3, /**/ -1, 1, /**/ 5, 0, /**/ 0.5, 0.5);
    const zB = Float32Array.of(3, -2, /**/ 1, 0, /**/ 2, 1, /**/ 1, -1, /**/ 0, 4);
    expect(Array.from(crossMistakes(zA, zB, y, K))).toEqual([0, 1, 1, 1, 1]);
  });

  it('K = 3: only the argmax matters, compared against y', () => {
    const y = Int32Array.of(2, 1);
    // ex0: A argmax 2 ✓, B argmax 2 ✓ ⇒ 0;  ex1: A argmax 1 ✓, B argmax 2 ✗ ⇒ 1
    const zA = Float32Array.of(0, 1, 3, /**/ 0, 9, 1);
    const zB = Float32Array.of(-1, 0, 0.1, /**/ 0, 1, 1.5);
    expect(Array.from(crossMistakes(zA, zB, y, 3))).toEqual([0, 1]);
  });
});

describe('isDegenerate (docs/method.md §1.5)', () => {
  const spec = (y: number[], e: number[]) => new Set(y.map((v, i) => 2 * v + e[i])).size !== 2 * new Set(y).size;

  it('hand cases', () => {
    // both e values in every class ⇒ {0,1,2,3} = 4 = 2·2 ⇒ fine
    expect(isDegenerate(Int32Array.of(0, 0, 1, 1), Uint8Array.of(0, 1, 0, 1))).toBe(false);
    // class 1 only has e = 0 ⇒ {0,1,2} = 3 ≠ 4 ⇒ degenerate
    expect(isDegenerate(Int32Array.of(0, 0, 1, 1), Uint8Array.of(0, 1, 0, 0))).toBe(true);
    // everyone a cross-mistake ⇒ {1,3} ⇒ degenerate
    expect(isDegenerate(Int32Array.of(0, 0, 1, 1), Uint8Array.of(1, 1, 1, 1))).toBe(true);
    // nobody a cross-mistake ⇒ degenerate
    expect(isDegenerate(Int32Array.of(0, 1, 1), Uint8Array.of(0, 0, 0))).toBe(true);
    // only classes present count: class 1 absent, class 0 has both ⇒ {0,1} = 2 = 2·1 ⇒ fine
    expect(isDegenerate(Int32Array.of(0, 0), Uint8Array.of(0, 1))).toBe(false);
    // K = 3, class 2 missing e = 1 ⇒ degenerate
    expect(isDegenerate(Int32Array.of(0, 0, 1, 1, 2, 2), Uint8Array.of(0, 1, 1, 0, 0, 0))).toBe(true);
  });

  it('property: agrees with the spec formula (#distinct 2y+e ≠ 2·#distinct y)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 20 }), (rows) => {
        const y = rows.map((r) => r[0]), e = rows.map((r) => r[1]);
        expect(isDegenerate(Int32Array.from(y), Uint8Array.from(e))).toBe(spec(y, e));
      }),
      { numRuns: 300 },
    );
  });
});
