import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyIntervention, Intervention, prepareIntervention } from '#shared';
import { loadDataset } from '../../trainer/src/data/index.js';
import { rawRow } from '../../trainer/src/data/types.js';
import { RandomState } from '../../trainer/src/random.js';
import { PLANTED, writePlantedCsv } from '../../trainer/src/validation/planted-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'mat-edge-shortcut-'));

/** A table whose label y ∈ {0, 1, 2} (K = 3) shows in `core`; `flag` is 0/1, `city` a 0..3 code, `score` numeric, `grp` a string annotation. */
function table(n = 600): string {
  const rng = new RandomState(3);
  const lines = ['core,flag,city,score,city2=a,city2=b,city2=c,grp,label'];
  for (let i = 0; i < n; i++) {
    const y = i % 3, a = rng.bernoulli(0.5) ? 1 : 0;
    const hot = [0, 0, 0];
    hot[(y + (a ? 0 : 1)) % 3] = 1;
    lines.push([y + rng.normal(), a, (y + a) % 4, (a ? 2 : -2) + rng.normal(), ...hot, a ? 'north' : 'south', `c${y}`].map(String).join(','));
  }
  const file = join(dir, 'table.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const load = (shortcutColumn: string, extra: object = {}) => loadDataset({ kind: 'csv', train: table(), shortcutColumn, seed: 1, ...extra });

describe('--shortcut-column: the intervention the trainer derives', () => {
  it('a two-valued feature is binary, swapped on the raw row; the column is recorded', async () => {
    const ds = await load('flag');
    expect(ds.numClasses).toBe(3);
    const iv = Intervention.parse(ds.intervention!.spec);
    expect(iv).toMatchObject({ kind: 'binary', column: 'flag', values: [0, 1] });
    expect(ds.intervention!.why).toMatch(/two values/);
    expect(ds.columns!.shortcut).toBe('flag');
    const j = ds.input.kind === 'features' ? ds.input.featureNames.indexOf('flag') : -1;
    const raw = rawRow(ds.test, 0);
    expect(applyIntervention(prepareIntervention(iv, ds.input.dim), raw)[0][j]).toBe(1 - raw[j]);
  });

  it('a small integer code is categorical with each other code as a counterfactual', async () => {
    const ds = await load('city');
    const iv = ds.intervention!.spec;
    expect(iv).toMatchObject({ kind: 'categorical', categories: ['0', '1', '2', '3'], encoding: { type: 'code', codes: [0, 1, 2, 3] } });
    expect(prepareIntervention(iv, ds.input.dim).alternatives).toBe(3);
  });

  it('a group of COL=<category> inputs is a one-hot categorical', async () => {
    const ds = await load('city2');
    expect(ds.intervention!.spec).toMatchObject({ kind: 'categorical', categories: ['a', 'b', 'c'], encoding: { type: 'one-hot' } });
    const p = prepareIntervention(ds.intervention!.spec, ds.input.dim);
    const out = applyIntervention(p, rawRow(ds.train, 0));
    expect(out).toHaveLength(2);
    const iv = ds.intervention!.spec;
    if (iv.kind !== 'categorical' || iv.encoding.type !== 'one-hot') throw new Error('one-hot expected');
    for (const row of out) expect(iv.encoding.indices.reduce((s, j) => s + row[j], 0)).toBe(1);
  });

  it('a continuous feature is numeric: class-conditional quantile tables, one per class (K = 3), that mirror the value', async () => {
    const ds = await load('score');
    const iv = ds.intervention!.spec;
    if (iv.kind !== 'numeric') throw new Error(`numeric expected, got ${iv.kind}`);
    expect(iv.quantiles).toHaveLength(3);
    expect(iv.levels).toHaveLength(51);
    // The score is ±2 by a balanced attribute: a high value mirrors to a low one.
    const p = prepareIntervention(iv, ds.input.dim), raw = Float32Array.from(rawRow(ds.train, 0));
    raw[iv.index] = 2.1;
    expect(applyIntervention(p, raw)[0][iv.index]).toBeLessThan(-1);
  });

  it('an annotation that is not an input becomes the attribute and is estimated on validation', async () => {
    const ds = await load('grp');
    const iv = ds.intervention!.spec;
    expect(iv).toMatchObject({ kind: 'estimated', column: 'grp', values: ['north', 'south'], n: ds.val.n });
    expect(ds.columns).toMatchObject({ attribute: 'grp', shortcut: 'grp' });
    expect(ds.groupNames).toHaveLength(6);
  });

  it('refuses a shortcut that is the label, and an annotation other than the attribute', async () => {
    await expect(load('label', { labelColumn: 'label' })).rejects.toThrow(/shortcut column cannot be the label/);
    await expect(load('grp', { attributeColumn: 'city', featureColumns: ['core', 'flag', 'score'] })).rejects.toThrow(/only the attribute column \(city\)/);
  });

  it('on the planted CSV, the estimated move of the attribute is nearly the planted negation of the shortcut feature', async () => {
    const file = writePlantedCsv(dir, { seed: 2 });
    const ds = await loadDataset({ kind: 'csv', train: file, labelColumn: PLANTED.label, shortcutColumn: PLANTED.attribute, seed: 0 });
    const p = prepareIntervention(ds.intervention!.spec, ds.input.dim);
    const j = ds.input.kind === 'features' ? ds.input.featureNames.indexOf(PLANTED.shortcutFeature) : -1;
    let err = 0;
    for (let i = 0; i < ds.test.n; i++) {
      const raw = rawRow(ds.test, i);
      err += Math.abs(applyIntervention(p, raw)[0][j] + raw[j]) / ds.test.n;
    }
    expect(err).toBeLessThan(0.3);
  });
});
