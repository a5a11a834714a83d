import { describe, expect, it } from 'vitest';
import { resolveHparams } from '../../trainer/src/algorithms/registry.js';
import type { Dataset } from '../../trainer/src/data/types.js';
import { profileFor } from '../../trainer/src/train/profile.js';

/** method.md §2.6, MLP column and MAT τ, for combinations c = 0..9 (3 significant digits). */
const TABLE_2_6: { lr: number; batch: number; wd: number; tau: number }[] = [
  { lr: 1.25e-4, batch: 35, wd: 6.43e-5, tau: 0.001 },
  { lr: 6.82e-5, batch: 35, wd: 1.0e-6, tau: 0.01 },
  { lr: 7.45e-5, batch: 8, wd: 4.46e-5, tau: 0.001 },
  { lr: 1.26e-4, batch: 34, wd: 7.46e-6, tau: 0.1 },
  { lr: 8.59e-4, batch: 24, wd: 8.28e-4, tau: 0.1 },
  { lr: 2.78e-5, batch: 48, wd: 4.17e-6, tau: 0.1 },
  { lr: 6.11e-4, batch: 15, wd: 2.91e-4, tau: 0.1 },
  { lr: 1.42e-5, batch: 40, wd: 2.07e-5, tau: 0.001 },
  { lr: 5.58e-4, batch: 59, wd: 4.05e-4, tau: 0.001 },
  { lr: 1.05e-5, batch: 22, wd: 3.07e-5, tau: 0.1 },
];

const sig3 = (x: number) => Number(x.toPrecision(3));
const mlp = profileFor({ name: 'colored-mnist' } as Dataset);

describe("resolveHparams('mat', MLP profile, c) = method.md §2.6", () => {
  it('uses the Colored-MNIST MLP profile', () => {
    expect(mlp.name).toBe('colored-mnist-mlp');
    expect(mlp.fullBatch).toBe(false);
  });

  it('matches the table for c = 0..9 (3 significant digits)', () => {
    for (let c = 0; c < 10; c++) {
      const hp = resolveHparams('mat', mlp, c);
      expect({ c, lr: sig3(hp.lr), batch: hp.batch_size, wd: sig3(hp.weight_decay), tau: hp.tau }).toEqual({ c, ...TABLE_2_6[c] });
    }
  });

  it('XRM draws the same lr / batch / wd for the same c', () => {
    for (let c = 0; c < 10; c++) {
      const mat = resolveHparams('mat', mlp, c), xrm = resolveHparams('xrm', mlp, c);
      expect(xrm).toEqual({ lr: mat.lr, batch_size: mat.batch_size, weight_decay: mat.weight_decay });
    }
  });

  it('defaults when combination is null; overrides win; unknown override throws', () => {
    expect(resolveHparams('mat', mlp, null)).toEqual({ lr: 1e-3, batch_size: 64, weight_decay: 1e-4, tau: 0.01 });
    expect(resolveHparams('mat', mlp, 3, { tau: 0.5 }).tau).toBe(0.5);
    expect(resolveHparams('mat', mlp, 3, { tau: 0.5 }).batch_size).toBe(34);
    expect(() => resolveHparams('mat', mlp, 0, { temperature: 1 })).toThrow(/unknown hyper-parameter/);
    expect(() => resolveHparams('xrm', mlp, 0, { tau: 0.1 })).toThrow(/unknown hyper-parameter/);
  });
});
