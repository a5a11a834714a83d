import { describe, expect, it } from 'vitest';
import { auroc, averageRanks, mean, pearson, spearman, totalVariation } from '../../trainer/src/validation/stats.js';

describe('averageRanks', () => {
  it('gives tied values their average rank', () => {
    // sorted: 1 (rank 1), 2, 2 (ranks 2,3 → 2.5), 5 (rank 4)
    expect(Array.from(averageRanks([2, 1, 5, 2]))).toEqual([2.5, 1, 4, 2.5]);
  });
  it('handles all-equal input', () => {
    expect(Array.from(averageRanks([7, 7, 7]))).toEqual([2, 2, 2]);
  });
});

describe('spearman', () => {
  it('is 1 for a monotone relation and −1 for a reversed one', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });
  it('matches a hand computation with ties', () => {
    // x ranks [1, 2.5, 2.5, 4], y ranks [1, 2, 3, 4]; Pearson of ranks:
    // dx = [-1.5, 0, 0, 1.5], dy = [-1.5, -0.5, 0.5, 1.5]; sxy = 4.5, sxx = 4.5, syy = 5 → 4.5/√22.5
    expect(spearman([1, 2, 2, 3], [10, 20, 30, 40])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });
  it('is NaN for a constant side', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
  it('pearson matches a hand value', () => {
    // x = [1,2,3], y = [1,3,2]: dx = [-1,0,1], dy = [-1,1,0]; sxy = 1, sxx = 2, syy = 2 → 0.5
    expect(pearson([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
  });
});

describe('auroc', () => {
  it('is 1 for perfect separation and 0 for reversed', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });
  it('counts ties as one half (Mann–Whitney)', () => {
    // pairs (pos, neg): (0.5, 0.5) tie → ½, (0.5, 0.1) → 1; (0.9, 0.5) → 1, (0.9, 0.1) → 1 ⇒ 3.5 / 4
    expect(auroc([0.5, 0.1, 0.5, 0.9], [0, 0, 1, 1])).toBe(0.875);
    expect(auroc([1, 1, 1, 1], [true, false, true, false])).toBe(0.5);
  });
  it('matches the documented example', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });
  it('is NaN with one class only', () => {
    expect(auroc([0.1, 0.2], [1, 1])).toBeNaN();
  });
});

describe('totalVariation and mean', () => {
  it('is half the L1 distance', () => {
    expect(totalVariation([0.9, 0.1], [0.3, 0.7])).toBeCloseTo(0.6, 12);
    expect(totalVariation([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });
  it('mean honours a mask', () => {
    expect(mean([1, 2, 3, 4], [1, 0, 1, 0])).toBe(2);
    expect(mean([1, 2], [0, 0])).toBeNaN();
  });
});

import { empiricalCdf } from '../../trainer/src/validation/stats.js';

describe('empiricalCdf', () => {
  it('counts the share of the sample at or below v', () => {
    const F = empiricalCdf([3, 1, 4, 2]);
    expect(F(0)).toBe(0);
    expect(F(2)).toBe(0.5);
    expect(F(2.5)).toBe(0.5);
    expect(F(10)).toBe(1);
  });
});
