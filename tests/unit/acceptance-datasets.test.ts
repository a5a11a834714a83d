import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAcceptanceDataset, trueMinority } from '../../trainer/src/experiments/datasets.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-acceptance-data-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('acceptance datasets', () => {
  it('the planted CSV: label × attribute groups whose minority is where the shortcut feature disagrees with the label', async () => {
    const data = await loadAcceptanceDataset('planted-csv', { workDir: root, limit: 1000 });
    expect(data.train.n).toBe(1000);
    expect(data.val.n).toBe(1000);
    const j = data.input.kind === 'features' ? data.input.featureNames.indexOf('shortcut') : -1;
    expect(j).toBeGreaterThanOrEqual(0);
    const split = data.train;
    const minority = trueMinority(split.group, split.y)!;
    const raw = split.raw ?? split.x;
    let disagree = 0;
    for (let i = 0; i < split.n; i++) {
      // The shortcut feature is ±1 (+ small noise) from the attribute; label index 1 = "yes" = +1.
      const sign = raw[i * split.d + j] > 0 ? 1 : 0;
      if ((sign !== split.y[i]) !== (minority[i] === 1)) disagree++;
    }
    expect(disagree).toBe(0);
    const share = minority.reduce((a, b) => a + b, 0) / split.n;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15); // the file's agreement is 90%
  });

  it('trueMinority is null without groups', () => {
    expect(trueMinority(null, Int32Array.of(0, 1))).toBeNull();
    expect(Array.from(trueMinority(Int32Array.of(0, 1, 2, 3), Int32Array.of(0, 0, 1, 1))!)).toEqual([0, 1, 1, 0]);
  });
});
