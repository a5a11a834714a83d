import { describe, expect, it } from 'vitest';
import { percentileFromQuantiles, quantiles, quantileSorted } from '#shared';

describe('quantiles (linear interpolation, numpy default)', () => {
  it('hand cases', () => {
    // sorted [1,2,3,4]: q = 0.5 ⇒ pos 1.5 ⇒ 2 + 0.5·(3 − 2) = 2.5
    expect(quantiles([3, 1, 4, 2], [0, 0.5, 1])).toEqual([1, 2.5, 4]);
    // [0, 10]: q = 0.1 ⇒ pos 0.1 ⇒ 1
    expect(quantiles([10, 0], [0.1])[0]).toBeCloseTo(1, 12);
    // [1..5]: q = 0.25 ⇒ pos 1 ⇒ 2; q = 0.9 ⇒ pos 3.6 ⇒ 4.6
    const q = quantiles([5, 4, 3, 2, 1], [0.25, 0.9]);
    expect(q[0]).toBe(2);
    expect(q[1]).toBeCloseTo(4.6, 12);
  });

  it('sorts numerically, not as strings', () => {
    // numeric order [9, 10, 100] ⇒ median 10 (lexicographic would give [10, 100, 9] ⇒ 100)
    expect(quantiles([10, 9, 100], [0.5])).toEqual([10]);
    expect(quantiles([-2, -10, 3], [0])).toEqual([-10]);
  });

  it('empty input gives NaN; the input is not mutated', () => {
    expect(Number.isNaN(quantiles([], [0.5])[0])).toBe(true);
    expect(Number.isNaN(quantileSorted([], 0.5))).toBe(true);
    const v = [3, 1, 2];
    quantiles(v, [0.5]);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe('percentileFromQuantiles (piecewise-linear inverse of stored quantiles)', () => {
  const qs = [0, 1, 2, 4], levels = [0, 0.25, 0.5, 1];

  it('hand cases', () => {
    expect(percentileFromQuantiles(-1, qs, levels)).toBe(0); // below the first quantile
    expect(percentileFromQuantiles(0, qs, levels)).toBe(0);
    expect(percentileFromQuantiles(0.5, qs, levels)).toBeCloseTo(0.125, 12); // 0 + 0.5/1·0.25
    expect(percentileFromQuantiles(2, qs, levels)).toBeCloseTo(0.5, 12);
    expect(percentileFromQuantiles(3, qs, levels)).toBeCloseTo(0.75, 12); // 0.5 + (1/2)·0.5
    expect(percentileFromQuantiles(5, qs, levels)).toBe(1); // above the last quantile
  });

  it('a flat run of quantiles returns the upper level of the first step reaching the value', () => {
    // qs = [0, 1, 1, 2], levels = [0, .25, .5, 1]: value 1 ⇒ first i with 1 ≤ qs[i] is i = 1 ⇒ 0 + (1/1)·0.25 = 0.25
    expect(percentileFromQuantiles(1, [0, 1, 1, 2], levels)).toBeCloseTo(0.25, 12);
    // qs = [0, 0, 2], levels = [0, .5, 1]: value 0 ≤ qs[0] ⇒ 0
    expect(percentileFromQuantiles(0, [0, 0, 2], [0, 0.5, 1])).toBe(0);
    // value 1 ⇒ i = 2, span 2 ⇒ 0.5 + (1/2)·0.5 = 0.75
    expect(percentileFromQuantiles(1, [0, 0, 2], [0, 0.5, 1])).toBeCloseTo(0.75, 12);
  });

  it('round-trips the quantile levels of a sample', () => {
    const sample = Array.from({ length: 101 }, (_, i) => i * i); // strictly increasing
    const lv = [0, 0.1, 0.5, 0.9, 1];
    const q = quantiles(sample, lv);
    lv.forEach((l, i) => expect(percentileFromQuantiles(q[i], q, lv)).toBeCloseTo(l, 12));
  });
});
