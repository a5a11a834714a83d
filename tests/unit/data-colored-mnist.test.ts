import { beforeAll, describe, expect, it } from 'vitest';
import { InputSpec } from '#shared';
import { buildColoredMnist, COLORED_MNIST_VARIANTS, swapColour } from '../../trainer/src/data/colored-mnist.js';
import { loadMnist } from '../../trainer/src/data/mnist.js';
import { row, type Dataset, type Split } from '../../trainer/src/data/types.js';

function rate(split: Split, from: number, to: number, hit: (i: number) => boolean): number {
  let count = 0;
  for (let i = from; i < to; i++) count += hit(i) ? 1 : 0;
  return count / (to - from);
}
const labelNoise = (s: Split, from = 0, to = s.n) => rate(s, from, to, (i) => s.y[i] !== s.meta.clean[i]);
const colourAgreement = (s: Split, from = 0, to = s.n) => rate(s, from, to, (i) => s.meta.colour[i] === s.y[i]);

// Element-wise, because a deep toEqual on 10^5+ typed-array elements takes seconds.
const sameValues = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

/** The digit of MNIST image k downsampled to 14×14 by taking even rows and columns. */
function downsampled(images: ReturnType<typeof loadMnist>['test']['images'], k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < 28; r += 2) for (let c = 0; c < 28; c += 2) out.push(images.pixels[k * 784 + r * 28 + c] / 255);
  return out;
}

describe('Colored MNIST (docs/method.md §6.2), full build', () => {
  let ds: Dataset;
  let buildMs: number;
  beforeAll(() => {
    const start = performance.now();
    ds = buildColoredMnist();
    buildMs = performance.now() - start;
  });

  it('builds 50k/10k/10k examples of 392 inputs quickly', () => {
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([50000, 10000, 10000]);
    expect(ds.train.d).toBe(392);
    expect(buildMs).toBeLessThan(5000);
    expect(InputSpec.parse(ds.input)).toMatchObject({ kind: 'image', dim: 392, channels: 2, height: 14, width: 14, range: [0, 1] });
    expect(ds.name).toBe('colored-mnist');
    expect(ds.classNames).toEqual(['digit ≥ 5', 'digit < 5']);
    expect(ds.groupNames).toEqual(['digit ≥ 5 · red', 'digit ≥ 5 · green', 'digit < 5 · red', 'digit < 5 · green']);
  });

  it('splits tr and va into two environments of equal size, env 1 first', () => {
    for (const [split, half] of [[ds.train, 25000], [ds.val, 5000]] as const) {
      expect(rate(split, 0, half, (i) => split.meta.env[i] === 0)).toBe(1);
      expect(rate(split, half, split.n, (i) => split.meta.env[i] === 1)).toBe(1);
    }
    expect(rate(ds.test, 0, ds.test.n, (i) => ds.test.meta.env[i] === 0)).toBe(1);
  });

  it('has label noise 0.25 and colour agreement 0.80 / 0.90 in train, 0.10 in test', () => {
    expect(Math.abs(labelNoise(ds.train) - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(labelNoise(ds.test) - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(colourAgreement(ds.train, 0, 25000) - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(colourAgreement(ds.train, 25000, 50000) - 0.9)).toBeLessThan(0.01);
    expect(Math.abs(colourAgreement(ds.val, 0, 5000) - 0.8)).toBeLessThan(0.02);
    expect(Math.abs(colourAgreement(ds.val, 5000, 10000) - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(colourAgreement(ds.test) - 0.1)).toBeLessThan(0.01);
  });

  it('uses a permutation of MNIST train 0..49,999 for tr and 50,000.. for va, in order', () => {
    const mnist = loadMnist();
    const clean = (digits: Uint8Array) => Array.from(digits, (d) => (d < 5 ? 1 : 0));
    const ones = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
    expect(ones(ds.train.meta.clean)).toBe(ones(clean(mnist.train.labels.subarray(0, 50000))));
    // va position 0 is env 1's first example = MNIST train 50,000; position 5,000 is env 2's first = 50,001.
    expect(ds.val.meta.clean[0]).toBe(clean(mnist.train.labels.subarray(50000, 50001))[0]);
    expect(Array.from(row(ds.val, 5000).subarray(ds.val.meta.colour[5000] * 196, ds.val.meta.colour[5000] * 196 + 196)))
      .toEqual(downsampled(mnist.train.images, 50001).map(Math.fround));
  });

  it('keeps the downsampled digit in channel c and zeros the other (test image 0 is a 7)', () => {
    const mnist = loadMnist();
    expect(mnist.test.labels[0]).toBe(7);
    expect(ds.test.meta.clean[0]).toBe(0);
    const x = row(ds.test, 0), c = ds.test.meta.colour[0];
    expect(Array.from(x.subarray(c * 196, (c + 1) * 196))).toEqual(downsampled(mnist.test.images, 0).map(Math.fround));
    expect(x.subarray((1 - c) * 196, (2 - c) * 196).every((v) => v === 0)).toBe(true);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(ds.test.group![0]).toBe(2 * ds.test.y[0] + c);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = buildColoredMnist({ limit: { train: 2000, val: 10, test: 10 } });
    expect(sameValues(again.train.y, ds.train.y.subarray(0, 2000))).toBe(true);
    expect(sameValues(again.train.meta.colour, ds.train.meta.colour.subarray(0, 2000))).toBe(true);
    expect(sameValues(again.train.x, ds.train.x.subarray(0, 2000 * 392))).toBe(true);
    const other = buildColoredMnist({ seed: 1, limit: { train: 2000, val: 10, test: 10 } });
    expect(sameValues(other.train.y, again.train.y)).toBe(false);
  });

  it('counterfactual swaps the colour channels', () => {
    const x = row(ds.train, 3);
    const swapped = ds.counterfactual!.apply(x);
    expect(swapped.subarray(0, 196)).toEqual(x.subarray(196, 392));
    expect(swapped.subarray(196, 392)).toEqual(x.subarray(0, 196));
    expect(swapColour(swapped)).toEqual(x);
  });
});

describe('Colored MNIST variants', () => {
  it('limit keeps the first n examples of each split', () => {
    const ds = buildColoredMnist({ variant: 'mcolor', limit: { train: 100, val: 20, test: 30 } });
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([100, 20, 30]);
    expect([ds.train.x.length, ds.train.meta.env.length, ds.test.group!.length]).toEqual([39200, 100, 30]);
    expect(ds.name).toBe('colored-mnist:mcolor');
  });

  it('follows each variant\'s test rates; colour is a counterfactual only where it is the shortcut', () => {
    for (const variant of ['inverse', 'v3'] as const) {
      const ds = buildColoredMnist({ variant, limit: { train: 1, val: 1 } });
      const { test } = COLORED_MNIST_VARIANTS[variant];
      expect(Math.abs(labelNoise(ds.test) - test.labelNoise)).toBeLessThan(0.015);
      expect(Math.abs(colourAgreement(ds.test) - (1 - test.colourNoise))).toBeLessThan(0.015);
      expect(ds.counterfactual === undefined).toBe(COLORED_MNIST_VARIANTS[variant].spurious === 'digit');
    }
  });
});
