import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrationMatrix, classPriors, matShift } from '../../trainer/src/algorithms/mat-shift.js';

/** Flattens rows of held-out logits into the n×K Float32Array the functions take. */
const flat = (rows: number[][]) => Float32Array.from(rows.flat());

describe('calibrationMatrix C[k][c] = p(y = c | y_ho = k) (docs/method.md §2.2)', () => {
  it('with tiny τ counts p(y | y_ho) on a 2-class hand case', () => {
    // τ = 0.001 ⇒ softmax(z/τ) is one-hot at argmax z (runner-up weight ≤ e^(−0.5/0.001) = e^−500 ≈ 7e−218).
    // y_ho = 0: examples 0,1,2,5 with y = 0,0,1,0 ⇒ row 0 = [3/4, 1/4]
    // y_ho = 1: examples 3,4   with y = 1,1     ⇒ row 1 = [0, 1]
    const z = flat([[1, 0], [2, 0], [1, 0], [0, 1], [0, 3], [0.5, 0]]);
    const y = Int32Array.of(0, 0, 1, 1, 1, 0);
    const C = calibrationMatrix(z, y, 2, 0.001);
    expect(C[0][0]).toBeCloseTo(0.75, 12);
    expect(C[0][1]).toBeCloseTo(0.25, 12);
    expect(C[1][0]).toBeCloseTo(0, 12);
    expect(C[1][1]).toBeCloseTo(1, 12);
  });

  it('uses soft held-out probabilities softmax(z/τ) at τ = 1, and divides by τ', () => {
    // x0: z = [ln3, 0] ⇒ P = [3/4, 1/4], y = 0;  x1: z = [0, 0] ⇒ P = [1/2, 1/2], y = 1.
    // J row 0 = [3/4, 1/2] ⇒ C row 0 = [0.6, 0.4];  J row 1 = [1/4, 1/2] ⇒ C row 1 = [1/3, 2/3].
    const expected = [[0.6, 0.4], [1 / 3, 2 / 3]];
    const y = Int32Array.of(0, 1);
    const C1 = calibrationMatrix(flat([[Math.log(3), 0], [0, 0]]), y, 2, 1);
    // Same P with logits doubled and τ = 2 (z/τ is what matters).
    const C2 = calibrationMatrix(flat([[2 * Math.log(3), 0], [0, 0]]), y, 2, 2);
    for (const C of [C1, C2]) for (let k = 0; k < 2; k++) for (let c = 0; c < 2; c++) expect(C[k][c]).toBeCloseTo(expected[k][c], 6);
  });

  it('a row with no mass (nobody held-out predicted as k) is uniform', () => {
    // K = 3, τ = 0.001: class-2 logit is ≥ 5 below the max ⇒ its weight e^(−5000) underflows to exactly 0 ⇒ row 2 uniform.
    // Rows 0 and 1: y_ho = 0 → y = 0, 1 ⇒ [1/2, 1/2, 0];  y_ho = 1 → y = 1 ⇒ [0, 1, 0].
    const z = flat([[5, 0, -5], [5, 0, -5], [0, 5, -5]]);
    const C = calibrationMatrix(z, Int32Array.of(0, 1, 1), 3, 0.001);
    expect(C[2]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(C[0][0]).toBeCloseTo(0.5, 12);
    expect(C[0][1]).toBeCloseTo(0.5, 12);
    expect(C[0][2]).toBe(0);
    expect(C[1][1]).toBeCloseTo(1, 12);
    // No examples at all: every row is uniform.
    expect(calibrationMatrix(new Float32Array(0), new Int32Array(0), 2, 1)).toEqual([[0.5, 0.5], [0.5, 0.5]]);
  });

  it('a class absent from y gets a zero column (and δ = log 1e−6 for it)', () => {
    // K = 3, τ = 1: every row has positive mass, but no example has y = 2 ⇒ J[·][2] = 0 ⇒ C[·][2] = 0.
    const z = flat([[1, 0, 0.5], [0, 2, 1], [0.3, 0.2, 0.1]]);
    const C = calibrationMatrix(z, Int32Array.of(0, 1, 0), 3, 1);
    for (let k = 0; k < 3; k++) {
      expect(C[k][2]).toBe(0);
      expect(C[k][0] + C[k][1]).toBeCloseTo(1, 12);
    }
    const delta = matShift(z, C, 1);
    for (let i = 0; i < 3; i++) expect(delta[i * 3 + 2]).toBeCloseTo(Math.log(1e-6), 4); // ≈ −13.8155
  });

  it('property: rows sum to 1 and entries lie in [0, 1] for random logits, labels and τ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((K) =>
          fc.tuple(
            fc.constant(K),
            fc.array(fc.tuple(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: K, maxLength: K }), fc.integer({ min: 0, max: K - 1 })), { minLength: 0, maxLength: 30 }),
            fc.constantFrom(0.001, 0.01, 0.1, 1, 5),
          ),
        ),
        ([K, rows, tau]) => {
          const C = calibrationMatrix(flat(rows.map((r) => r[0])), Int32Array.from(rows.map((r) => r[1])), K, tau);
          expect(C).toHaveLength(K);
          for (const row of C) {
            expect(row).toHaveLength(K);
            expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
            for (const v of row) expect(v >= 0 && v <= 1 + 1e-12).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('matShift δ = log(softmax(z/τ)·C + 1e−6) (docs/method.md §2.2 step 5)', () => {
  it('matches the hand-computed soft case at τ = 1', () => {
    // C = [[0.6, 0.4], [1/3, 2/3]] (previous test). x0: P = [3/4, 1/4]
    // p_ho = 3/4·[0.6, 0.4] + 1/4·[1/3, 2/3] = [0.45 + 1/12, 0.3 + 1/6] = [0.533333, 0.466667]
    // x1: P = [1/2, 1/2] ⇒ p_ho = [(0.6 + 1/3)/2, (0.4 + 2/3)/2] = [0.466667, 0.533333]
    const z = flat([[Math.log(3), 0], [0, 0]]);
    const C = calibrationMatrix(z, Int32Array.of(0, 1), 2, 1);
    const d = matShift(z, C, 1);
    expect(d).toHaveLength(4);
    expect(d[0]).toBeCloseTo(Math.log(0.45 + 1 / 12 + 1e-6), 5);
    expect(d[1]).toBeCloseTo(Math.log(0.3 + 1 / 6 + 1e-6), 5);
    expect(d[2]).toBeCloseTo(Math.log((0.6 + 1 / 3) / 2 + 1e-6), 5);
    expect(d[3]).toBeCloseTo(Math.log((0.4 + 2 / 3) / 2 + 1e-6), 5);
  });

  it('τ → 0 with perfect group inference: δ_i = log(p(y | inferred group) + 1e−6) (docs/method.md §9)', () => {
    // Attribute a is the shortcut; the held-out twin predicts a perfectly (argmax z^ho_i = a_i), with varied margins.
    // a = 0: y = 0,0,0,0,1 ⇒ p(y | a=0) = [0.8, 0.2];  a = 1: y = 1,1,1,0,1 ⇒ p(y | a=1) = [0.2, 0.8].
    const a = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
    const y = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1, 0, 1);
    const z = flat(a.map((g, i) => (g === 0 ? [2 + i, -1] : [-3, 0.5 + i])));
    const tau = 0.001;
    const d = matShift(z, calibrationMatrix(z, y, 2, tau), tau);
    const pYgivenA = [[0.8, 0.2], [0.2, 0.8]];
    a.forEach((g, i) => {
      expect(d[2 * i]).toBeCloseTo(Math.log(pYgivenA[g][0] + 1e-6), 5); // log 0.800001 = −0.223142
      expect(d[2 * i + 1]).toBeCloseTo(Math.log(pYgivenA[g][1] + 1e-6), 5); // log 0.200001 = −1.609433
    });
  });

  it('tiny τ on the 2-class count case: a class never seen with y_ho = 1 gets log 1e−6', () => {
    // C = [[0.75, 0.25], [0, 1]] ⇒ example with y_ho = 1: δ = [log 1e−6, log(1 + 1e−6)] = [−13.8155, 1e−6].
    const z = flat([[1, 0], [2, 0], [1, 0], [0, 1], [0, 3], [0.5, 0]]);
    const C = calibrationMatrix(z, Int32Array.of(0, 0, 1, 1, 1, 0), 2, 0.001);
    const d = matShift(z, C, 0.001);
    expect(d[0]).toBeCloseTo(Math.log(0.75), 5);
    expect(d[1]).toBeCloseTo(Math.log(0.25), 5);
    expect(d[6]).toBeCloseTo(-13.815510557964274, 4);
    expect(d[7]).toBeCloseTo(0, 5);
  });

  it('property: with τ → 0 and confident held-out logits, δ equals the log empirical p(y | y_ho)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.double({ min: 0.1, max: 10, noNaN: true })), { minLength: 1, maxLength: 40 }),
        (rows) => {
          const K = 3, tau = 0.001; // margin/τ ≥ 100 ⇒ leak ≤ e^−100
          const z = flat(rows.map(([g, , m]) => [0, 1, 2].map((k) => (k === g ? m : 0))));
          const y = Int32Array.from(rows.map((r) => r[1]));
          const d = matShift(z, calibrationMatrix(z, y, K, tau), tau);
          rows.forEach(([g], i) => {
            const inGroup = rows.filter((r) => r[0] === g);
            for (let c = 0; c < K; c++) {
              const p = inGroup.filter((r) => r[1] === c).length / inGroup.length;
              expect(d[i * K + c]).toBeCloseTo(Math.log(p + 1e-6), 4);
            }
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('classPriors', () => {
  it('returns label frequencies, zero for absent classes', () => {
    // [0,0,1,2] over K = 4 ⇒ [2/4, 1/4, 1/4, 0]
    expect(classPriors(Int32Array.of(0, 0, 1, 2), 4)).toEqual([0.5, 0.25, 0.25, 0]);
    expect(classPriors([1, 1, 1], 2)).toEqual([0, 1]);
    expect(classPriors([], 3)).toEqual([0, 0, 0]);
  });
});
