import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseFeatures, describeFeatureChoice, matchPattern } from '../../trainer/src/data/columns.js';
import { DataValidationError, loadDataset, type DataSpecInput } from '../../trainer/src/data/index.js';
import { findLabelProxy, stepFunctionAccuracy } from '../../trainer/src/data/label-proxy.js';
import type { RawTable } from '../../trainer/src/data/raw-table.js';

const dir = mkdtempSync(join(tmpdir(), 'mat-edge-columns-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A seeded table: f0..f{d−1} noise plus a weak signal, a label, a group that encodes the label, an id, a note. */
function table(n: number, d: number): string {
  let s = 1;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const header = [...Array.from({ length: d }, (_, j) => `f${j}`), 'label', 'group', 'id', 'note'];
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const y = rand() < 0.5 ? 1 : 0, a = rand() < 0.8 ? y : 1 - y;
    const f = Array.from({ length: d }, (_, j) => (j === 0 ? y + 2 * rand() : rand()).toFixed(4));
    lines.push([...f, y ? 'dog' : 'cat', 2 * y + a, `row-${i}`, `note ${i}`].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const raw = (columns: string[], rows: (string | number)[][]): RawTable => ({
  file: 't.csv', columns, rows: rows.map((cells, i) => ({ line: i + 2, cells })),
});

describe('column patterns', () => {
  const columns = ['id', 'f0', 'f1', 'f2', 'f10', 'emb_a', 'emb_b', 'a-b', 'label'];
  it('matches names, ranges and globs in file order', () => {
    expect(matchPattern('f1', columns)).toEqual(['f1']);
    expect(matchPattern('f0-f2', columns)).toEqual(['f0', 'f1', 'f2']);
    expect(matchPattern('f1-10', columns)).toEqual(['f1', 'f2', 'f10']);
    expect(matchPattern('emb_*', columns)).toEqual(['emb_a', 'emb_b']);
    expect(matchPattern('f?', columns)).toEqual(['f0', 'f1', 'f2']);
    // An exact column name wins over the range reading.
    expect(matchPattern('a-b', columns)).toEqual(['a-b']);
    expect(matchPattern('g*', columns)).toEqual([]);
  });

  it('chooses numeric columns without a role, listing what it left out and why', () => {
    const t = raw(['f0', 'f1', 'label', 'id', 'note'], [[1, 2, 'a', 7, 'x'], [3, 4, 'b', 8, 'y']]);
    const choice = chooseFeatures(t, { labelColumn: 'label', idColumn: 'id' });
    expect(choice.features).toEqual(['f0', 'f1']);
    expect(choice.excluded).toEqual([{ column: 'label', why: 'label column' }, { column: 'id', why: 'id column' }, { column: 'note', why: 'not numeric' }]);
    expect(describeFeatureChoice(choice)).toBe('features: 2 numeric columns (f0, f1); not features: label (label column), id (id column), note (not numeric)');
    expect(chooseFeatures(t, { labelColumn: 'label', ignoreColumns: ['f1', 'id'] }).features).toEqual(['f0']);
  });

  it('refuses a feature pattern that names nothing, or names the label', () => {
    const t = raw(['f0', 'f1', 'label'], [[1, 2, 'a']]);
    expect(() => chooseFeatures(t, { labelColumn: 'label', featureColumns: ['x*'] })).toThrow('t.csv: column "x*": --feature-columns names no column (columns: f0, f1, label)');
    expect(() => chooseFeatures(t, { labelColumn: 'label', featureColumns: ['f0', 'label'] })).toThrow('column "label": is the label column and cannot also be a feature');
  });

  it('keeps a missing-column error short, with a hint', () => {
    const columns = [...Array.from({ length: 392 }, (_, j) => `f${j}`), 'label'];
    const t = raw(columns, [columns.map(() => 0)]);
    const err = (() => { try { chooseFeatures(t, { labelColumn: 'Label' }); } catch (e) { return e as Error; } })();
    expect(err?.message).toBe('t.csv: column "Label": label column not found (did you mean "label"? columns: f0, f1, f2, f3, f4, f5, f6, f7, … (393 columns))');
  });
});

describe('label proxies', () => {
  it('scores a label copy 1 and an informative but noisy column below the bar', () => {
    const n = 2000;
    const y = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 3);
    const copy = Float64Array.from(y, (c) => 10 + c);
    const noisy = Float64Array.from(y, (c, i) => c + ((i * 104729) % 1000) / 600);
    expect(stepFunctionAccuracy(copy, y, 3)).toBe(1);
    expect(stepFunctionAccuracy(noisy, y, 3)).toBeLessThan(0.99);
    expect(stepFunctionAccuracy(noisy, y, 3)).toBeGreaterThan(0.5);
  });

  it('uses balanced accuracy: a constant column is no proxy of a 99%-one-class label', () => {
    const n = 1000;
    const y = Int32Array.from({ length: n }, (_, i) => (i % 100 === 0 ? 1 : 0));
    expect(findLabelProxy(new Float64Array(n), n, ['c'], y, 2)).toBeNull();
  });

  it('says nothing on a handful of rows', () => {
    expect(findLabelProxy(Float64Array.from([0, 1, 0, 1]), 4, ['c'], Int32Array.from([0, 1, 0, 1]), 2)).toBeNull();
  });
});

describe('user data: which columns are features', () => {
  const path = file('leaky.csv', table(600, 6));
  const spec = (extra: Partial<DataSpecInput> = {}) => ({ kind: 'csv', train: path, ...extra }) as DataSpecInput;

  it('refuses a label-copy column when no --feature-columns is given, naming it', async () => {
    const err = await loadDataset(spec()).catch((e) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    expect(err.column).toBe('group');
    expect(err.message).toMatch(/column "group": alone predicts the label \(balanced accuracy 1\.000/);
  });

  it('trains on the numeric features once the group column is declared, skipping id and note', async () => {
    const ds = await loadDataset(spec({ groupColumn: 'group', idColumn: 'id' }));
    expect(ds.input.kind === 'features' && ds.input.featureNames).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    expect(ds.featureChoice?.excluded.map((e) => e.column)).toEqual(['label', 'group', 'id', 'note']);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.groupNames).toEqual(['0', '1', '2', '3']);
  });

  it('an explicit --feature-columns is trusted (the override), and --ignore-columns removes one', async () => {
    const ds = await loadDataset(spec({ featureColumns: ['f0-f2', 'group'] }));
    expect(ds.input.kind === 'features' && ds.input.featureNames).toEqual(['f0', 'f1', 'f2', 'group']);
    const ignored = await loadDataset(spec({ ignoreColumns: ['group'] }));
    expect(ignored.input.dim).toBe(6);
  });

  it('--limit works for table data', async () => {
    const ds = await loadDataset(spec({ groupColumn: 'group', limit: { train: 50, val: 20, test: 20 } }));
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([50, 20, 20]);
  });
});
