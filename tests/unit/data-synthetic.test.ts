import { describe, expect, it } from 'vitest';
import { InputSpec } from '#shared';
import { buildSynthetic } from '../../trainer/src/data/synthetic.js';
import { row, type Split } from '../../trainer/src/data/types.js';

function stats(split: Split, column: number, keep: (i: number) => boolean): { mean: number; std: number } {
  const values: number[] = [];
  for (let i = 0; i < split.n; i++) if (keep(i)) values.push(split.x[i * split.d + column]);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length) };
}

const count = (a: Int32Array, value: number) => a.filter((v) => v === value).length;

describe('synthetic interpretable problem (docs/method.md §4.1)', () => {
  const ds = buildSynthetic();

  it('has 1000 × 1800 splits with the named features', () => {
    for (const split of [ds.train, ds.val, ds.test]) expect([split.n, split.d]).toEqual([1000, 1800]);
    const input = InputSpec.parse(ds.input);
    expect(input.kind === 'features' && input.featureNames.slice(0, 3)).toEqual(['x_core', 'x_spurious', 'noise_0']);
    expect(input.kind === 'features' && input.featureNames.at(-1)).toBe('noise_1797');
    expect(ds.name).toBe('synthetic:0.5');
  });

  it('has exactly ⌊(1 − p_maj)·n⌋ minority examples: 99 in train, 500 in val and test', () => {
    expect(Math.floor((1 - 0.9) * 1000)).toBe(99);
    expect(count(ds.train.meta.majority, 0)).toBe(99);
    expect(count(ds.val.meta.majority, 0)).toBe(500);
    expect(count(ds.test.meta.majority, 0)).toBe(500);
  });

  it('defines majority as the reference does (x_y·x_a > 0) and groups as 2·y + spurious label', () => {
    for (const split of [ds.train, ds.val]) {
      for (let i = 0; i < split.n; i++) {
        const x = row(split, i);
        expect(split.meta.majority[i]).toBe(x[0] * x[1] > 0 ? 1 : 0);
        expect(split.meta.spurious[i]).toBe(x[1] < 0 ? 1 : 0);
        expect(split.group![i]).toBe(2 * split.y[i] + split.meta.spurious[i]);
      }
    }
    expect(ds.groupNames[1]).toBe('class 0 · spurious 1 (minority)');
    expect(count(ds.train.group!, 1) + count(ds.train.group!, 2)).toBe(99);
  });

  it('draws the core, spurious and noise features with the stated means and stds', () => {
    const { train } = ds;
    expect(Math.abs(count(train.y, 1) / train.n - 0.5)).toBeLessThan(0.05);
    const core1 = stats(train, 0, (i) => train.y[i] === 1), core0 = stats(train, 0, (i) => train.y[i] === 0);
    expect(core1.mean).toBeCloseTo(-1, 1);
    expect(core0.mean).toBeCloseTo(1, 1);
    expect(Math.abs(core1.std - 0.12)).toBeLessThan(0.01);
    const spuriousMajority1 = stats(train, 1, (i) => train.y[i] === 1 && train.meta.majority[i] === 1);
    const spuriousMinority1 = stats(train, 1, (i) => train.y[i] === 1 && train.meta.majority[i] === 0);
    expect(spuriousMajority1.mean).toBeCloseTo(-5, 1);
    expect(Math.abs(spuriousMajority1.std - 0.6)).toBeLessThan(0.05);
    expect(spuriousMinority1.mean).toBeCloseTo(5, 0);
    let sum = 0, squares = 0;
    for (let i = 0; i < train.n; i++) for (let j = 2; j < train.d; j++) {
      sum += train.x[i * train.d + j];
      squares += train.x[i * train.d + j] ** 2;
    }
    const m = train.n * (train.d - 2);
    expect(Math.abs(sum / m)).toBeLessThan(0.005);
    expect(Math.sqrt(squares / m - (sum / m) ** 2)).toBeCloseTo(0.5, 2);
  });

  it('is deterministic, uses seeds 1234/1235/1236, and σ_ε = 0 gives no noise', () => {
    const again = buildSynthetic({ noiseStd: 0.5, seed: 1234 });
    expect(again.train.x.every((v, k) => v === ds.train.x[k])).toBe(true);
    expect(buildSynthetic({ seed: 1235 }).train.y).toEqual(ds.val.y);
    const clean = buildSynthetic({ noiseStd: 0 });
    expect(clean.train.y).toEqual(ds.train.y);
    expect(clean.train.x.every((v, k) => k % 1800 < 2 || v === 0)).toBe(true);
  });

  it('counterfactual negates the spurious coordinate only', () => {
    const x = row(ds.train, 0);
    const flipped = ds.counterfactual!.apply(x);
    expect(flipped[1]).toBe(-x[1]);
    expect(flipped[0]).toBe(x[0]);
    expect(flipped.subarray(2)).toEqual(x.subarray(2));
  });
});
