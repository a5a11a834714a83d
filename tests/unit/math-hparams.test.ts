import { describe, expect, it } from 'vitest';
import { resolveHparams } from '../../trainer/src/algorithms/registry.js';
import type { Dataset } from '../../trainer/src/data/types.js';
import { profileFor } from '../../trainer/src/train/profile.js';
import { sig3, TABLE_2_6 } from './helpers/table-2-6.js';


const mlp = profileFor({ name: 'colored-mnist' } as Dataset);

describe("resolveHparams('mat', MLP profile, c) = docs/method.md §2.6", () => {
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
