import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../trainer/src/data/index.js';
import { buildSynthetic } from '../../trainer/src/data/synthetic.js';
import { atLeast, greater, info } from '../../trainer/src/validation/check.js';
import { checksTable } from '../../trainer/src/validation/format.js';
import { labelFreeCells, minorityMask } from '../../trainer/src/validation/groups.js';
import { cellMeanEstimate } from '../../trainer/src/validation/memorization.js';
import { counterfactualSplit } from '../../trainer/src/pipeline/outputs.js';
import { PLANTED, plantedCounterfactual, writePlantedCsv } from '../../trainer/src/validation/planted-csv.js';
import { sliceReliability, type ServedSplit } from '../../trainer/src/validation/spurious.js';
import { ValidationCheck } from '../../trainer/src/report/data.js';

describe('checks', () => {
  it('atLeast passes at the target and fails on NaN', () => {
    expect(atLeast('c', 'erm', 'm', 0.85, 0.85).pass).toBe(true);
    expect(atLeast('c', 'erm', 'm', 0.849, 0.85).pass).toBe(false);
    const nan = atLeast('c', 'erm', 'm', NaN, 0.85);
    expect(nan).toMatchObject({ value: null, pass: false });
  });
  it('greater reports the difference; info has no verdict; all match the report schema', () => {
    const g = greater('c', 'erm−mat', 'mean', 0.5, 0.2, 'ERM > MAT');
    expect(g.value).toBeCloseTo(0.3, 12);
    expect(g.pass).toBe(true);
    expect(greater('c', 'x', 'm', 0.1, 0.2, 't').pass).toBe(false);
    expect(info('c', 'x', 'm', 1).pass).toBeNull();
    for (const c of [g, info('c', 'x', 'm', NaN), atLeast('c', 'x', 'm', 0.9, 0.6)]) expect(ValidationCheck.safeParse(c).success).toBe(true);
  });
  it('prints a table with PASS and MISS', () => {
    const t = checksTable([atLeast('reliance', 'erm', 'AUROC', 0.9, 0.85), atLeast('reliance', 'mat', 'AUROC', 0.5, 0.85), info('x', 'erm', 'n', 3)]);
    expect(t).toMatch(/check\s+model\s+metric\s+value\s+target\s+result/);
    expect(t).toMatch(/erm\s+AUROC\s+0\.900\s+≥ 0\.85\s+PASS/);
    expect(t).toMatch(/mat\s+AUROC\s+0\.500\s+≥ 0\.85\s+MISS/);
  });
});

describe('minority masks', () => {
  it('synthetic minority = majority 0 (99 of 1000 in train)', () => {
    const d = buildSynthetic({ noiseStd: 0.5 });
    const m = minorityMask(d.train)!;
    expect(m.reduce((s, v) => s + v, 0)).toBe(99);
  });
  it('colour ≠ label and attribute ≠ label', () => {
    const split = { n: 3, d: 1, x: new Float32Array(3), y: Int32Array.of(0, 1, 1), group: null, meta: { colour: Int32Array.of(0, 0, 1) } };
    expect(Array.from(minorityMask(split)!)).toEqual([0, 1, 0]);
    expect(minorityMask({ ...split, meta: {} })).toBeNull();
  });
});

describe('label-free reference for memorization: mean measured score per (digit label, colour) cell', () => {
  it('cells come from the clean label and the colour, not the observed label; other data has none', () => {
    const split = { n: 4, d: 1, x: new Float32Array(4), y: Int32Array.of(0, 0, 1, 1), group: null, meta: { clean: Int32Array.of(0, 1, 1, 0), colour: Int32Array.of(0, 0, 1, 1) } };
    expect(Array.from(labelFreeCells(split)!)).toEqual([0, 2, 3, 1]);
    expect(labelFreeCells({ ...split, meta: { colour: split.meta.colour } })).toBeNull();
  });
  it('fits the cell means on the selection examples only and reads them for the evaluation examples', () => {
    const cells = Int32Array.of(0, 0, 1, 1, 0, 1, 2);
    // selection 0, 1, 2 (cells 0, 0, 1) measured 0.2, 0.4, 0.9; evaluation 4, 5, 6 (cells 0, 1, 2)
    const est = cellMeanEstimate(cells, [0, 1, 2], [0.2, 0.4, 0.9], [4, 5, 6]);
    expect(est[0]).toBeCloseTo(0.3, 12);
    expect(est[1]).toBeCloseTo(0.9, 12);
    expect(est[2]).toBeNaN(); // a cell never seen in selection has no estimate
  });
});

describe('planted CSV', () => {
  it('loads through the generic CSV path with a planted shortcut and a counterfactual', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'planted-'));
    const file = writePlantedCsv(dir, { rows: 600, noiseFeatures: 3 });
    const data = await loadDataset({ kind: 'csv', train: file, labelColumn: PLANTED.label, attributeColumn: PLANTED.attribute });
    expect(data.classNames).toEqual(['no', 'yes']);
    expect(data.train.n + data.val.n + data.test.n).toBe(600);
    const minority = minorityMask(data.train)!;
    const share = minority.reduce((s, v) => s + v, 0) / data.train.n;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.16);
    if (data.input.kind !== 'features') throw new Error('expected features');
    const cf = plantedCounterfactual(data.input.featureNames);
    const j = data.input.featureNames.indexOf(PLANTED.shortcutFeature);
    const split = counterfactualSplit(data, data.test, cf);
    const pre = data.input.preprocessing;
    if (pre.type !== 'standardize') throw new Error('expected standardised features');
    for (let i = 0; i < 5; i++) {
      const raw = data.test.raw![i * data.test.d + j];
      expect(split.x[i * data.test.d + j]).toBeCloseTo((-raw - pre.mean[j]) / pre.std[j], 4);
      expect(split.x[i * data.test.d]).toBeCloseTo(data.test.x[i * data.test.d], 5);
    }
  });
});

describe('slice reliability', () => {
  it('bins the served slice_accuracy against observed accuracy, leaving out rows without a slice', () => {
    const split = { rows: { predicted: Int32Array.of(0, 1, 1) }, sliceAccuracy: Float64Array.of(0.8, 0.85, NaN) } as unknown as ServedSplit;
    const bins = sliceReliability(split, Int32Array.of(0, 0, 1));
    expect(bins).toEqual([{ lower: 0.8, upper: 0.9, confidence: 0.825, accuracy: 0.5, count: 2 }]);
  });
});
