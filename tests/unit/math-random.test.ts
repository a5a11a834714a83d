import { describe, expect, it } from 'vitest';
import { RandomState } from '../../trainer/src/random.js';
import { sig3, TABLE_2_6 } from './helpers/table-2-6.js';



describe('RandomState reproduces NumPy legacy RandomState', () => {
  it('known NumPy values for seed 0', () => {
    // np.random.RandomState(0).random_sample() = 0.5488135039273248; first raw MT19937 output = 2357136044
    expect(new RandomState(0).random()).toBe(0.5488135039273248);
    const r = new RandomState(0);
    expect([r.uint32(), r.uint32(), r.uint32()]).toEqual([2357136044, 2546248239, 3071714933]);
    // np.random.RandomState(1).random_sample(2); RandomState(2**32 − 1).random_sample()
    const r1 = new RandomState(1);
    expect([r1.random(), r1.random()]).toEqual([0.417022004702574, 0.7203244934421581]);
    expect(new RandomState(2 ** 32 - 1).random()).toBe(0.0976320289940138);
  });

  it('known NumPy values for randint, permutation and standard_normal', () => {
    // np.random.RandomState(0).randint(0, 10, size=8)
    const r = new RandomState(0);
    expect(Array.from({ length: 8 }, () => r.randint(10))).toEqual([5, 0, 3, 3, 7, 9, 3, 5]);
    // np.random.RandomState(42).permutation(10)
    expect(Array.from(new RandomState(42).permutation(10))).toEqual([8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    // np.random.RandomState(0).standard_normal() ×3 (polar method with a cached spare)
    const g = new RandomState(0);
    expect(g.normal()).toBeCloseTo(1.764052345967664, 14);
    expect(g.normal()).toBeCloseTo(0.4001572083672233, 14);
    expect(g.normal()).toBeCloseTo(0.9787379841057392, 14);
  });

  it('rejects seeds outside [0, 2^32)', () => {
    expect(() => new RandomState(-1)).toThrow(RangeError);
    expect(() => new RandomState(2 ** 32)).toThrow(RangeError);
    expect(() => new RandomState(1.5)).toThrow(RangeError);
  });

  it('draws the docs/method.md §2.6 table: lr, batch, wd in order from RandomState(c); τ from a fresh RandomState(c)', () => {
    for (let c = 0; c < 10; c++) {
      const r = new RandomState(c);
      const lr = 10 ** r.uniform(-5, -3);
      const batch = Math.floor(2 ** r.uniform(3, 6));
      const wd = 10 ** r.uniform(-6, -3);
      const tau = new RandomState(c).choice([0.001, 0.01, 0.1]);
      expect({ c, lr: sig3(lr), batch, wd: sig3(wd), tau }).toEqual({ c, ...TABLE_2_6[c] });
    }
  });
});
