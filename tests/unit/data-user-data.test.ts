import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputSpec } from '#shared';
import { loadDataset, type Dataset, type DataSpecInput } from '../../trainer/src/data/index.js';

const FIXTURES = 'tests/fixtures/data';
const dir = mkdtempSync(join(tmpdir(), 'mat-edge-data-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const toy = (ext: 'csv' | 'jsonl'): DataSpecInput => ({
  kind: ext,
  train: `${FIXTURES}/toy-train.${ext}`,
  val: `${FIXTURES}/toy-val.${ext}`,
  test: `${FIXTURES}/toy-test.${ext}`,
  attributeColumn: 'place',
});

/** Raw values back from the standardised x. */
function unstandardized(ds: Dataset, split: 'train' | 'val' | 'test'): number[][] {
  const p = ds.input.preprocessing;
  if (p.type !== 'standardize') throw new Error('expected standardisation');
  const s = ds[split];
  return Array.from({ length: s.n }, (_, i) => Array.from({ length: s.d }, (_, j) => s.x[i * s.d + j] * p.std[j] + p.mean[j]));
}

describe('user data: round trip', () => {
  let csv: Dataset, jsonl: Dataset;
  beforeAll(async () => {
    csv = await loadDataset(toy('csv'));
    jsonl = await loadDataset(toy('jsonl'));
  });

  it('reads a CSV with quoted fields, string labels and an attribute column', () => {
    expect(csv.name).toBe('csv:toy-train.csv');
    expect(csv.classNames).toEqual(['cat', 'dog']);
    expect(InputSpec.parse(csv.input)).toMatchObject({ kind: 'features', dim: 2, featureNames: ['f,1', 'f2'] });
    expect(unstandardized(csv, 'train').map((r) => r.map((v) => +v.toFixed(4) + 0))).toEqual([[1.5, 10], [2.5, 20], [3.5, 30], [4.5, 40], [0.5, 0], [5.5, 50]]);
    expect([...csv.train.y]).toEqual([0, 1, 0, 1, 0, 1]);
    // The validation file lists its columns in another order; features follow the training file's order.
    expect(unstandardized(csv, 'val').map((r) => r.map((v) => +v.toFixed(4) + 0))).toEqual([[2, 25], [1, 15]]);
    expect([...csv.val.meta.line]).toEqual([2, 3]);
  });

  it('standardises with training mean and population std', () => {
    const p = csv.input.preprocessing;
    expect(p.type === 'standardize' && p.mean).toEqual([3, 25]);
    expect(p.type === 'standardize' && p.std[0]).toBeCloseTo(Math.sqrt(17.5 / 6), 12);
    const column0 = Array.from({ length: 6 }, (_, i) => csv.train.x[i * 2]);
    expect(column0.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 5);
  });

  it('groups by label × attribute', () => {
    expect(csv.groupNames).toEqual(['label=cat · place=land', 'label=cat · place=water', 'label=dog · place=land', 'label=dog · place=water']);
    expect([...csv.train.meta.attribute]).toEqual([1, 0, 0, 1, 1, 0]);
    expect([...csv.train.group!]).toEqual([1, 2, 0, 3, 1, 2]);
  });

  it('reads the same data from JSONL, array fields becoming columns', () => {
    const input = jsonl.input;
    expect(input.kind === 'features' && input.featureNames).toEqual(['x[0]', 'x[1]']);
    expect(jsonl.train.x).toEqual(csv.train.x);
    expect(jsonl.val.x).toEqual(csv.val.x);
    expect(jsonl.test.y).toEqual(csv.test.y);
    expect(jsonl.train.group).toEqual(csv.train.group);
    expect([...jsonl.train.meta.line]).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('orders integer labels numerically and keeps a group column as given', async () => {
    const path = file('ints.csv', 'a,y,g\n1,10,u\n2,9,v\n3,2,u\n4,10,v\n5,9,u\n6,2,v\n');
    const ds = await loadDataset({ kind: 'csv', train: path, val: path, test: path, labelColumn: 'y', groupColumn: 'g' });
    expect(ds.classNames).toEqual(['2', '9', '10']);
    expect([...ds.train.y]).toEqual([2, 1, 0, 2, 1, 0]);
    expect(ds.groupNames).toEqual(['u', 'v']);
    expect([...ds.train.group!]).toEqual([0, 1, 0, 1, 0, 1]);
  });
});

describe('user data: seeded stratified split', () => {
  const lines = ['f,label,place'];
  for (let i = 0; i < 200; i++) lines.push(`${i},${i % 2 ? 'b' : 'a'},${i % 10 === 0 ? 'rare' : 'common'}`);
  const path = file('many.csv', `${lines.join('\n')}\n`);
  const spec = (seed: number): DataSpecInput => ({ kind: 'csv', train: path, attributeColumn: 'place', seed });

  it('splits 60/20/20 within every group, disjointly, deterministically per seed', async () => {
    const ds = await loadDataset(spec(7));
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([120, 40, 40]);
    const all = [...ds.train.meta.line, ...ds.val.meta.line, ...ds.test.meta.line].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    for (const split of [ds.val, ds.test]) {
      const perGroup = [0, 1, 2, 3].map((g) => split.group!.filter((v) => v === g).length);
      // a·common 80 rows, a·rare 20, b·common 100, b·rare none: 20% of each.
      expect(perGroup).toEqual([16, 4, 20, 0]);
    }
    const again = await loadDataset(spec(7));
    expect(again.val.meta.line).toEqual(ds.val.meta.line);
    const other = await loadDataset(spec(8));
    expect(other.val.meta.line).not.toEqual(ds.val.meta.line);
  });

  it('carves only the missing split out of the training file', async () => {
    const test = file('many-test.csv', 'label,place,f\na,common,1\nb,rare,2\n');
    const ds = await loadDataset({ kind: 'csv', train: path, test, attributeColumn: 'place' });
    expect(ds.test.n).toBe(2);
    expect([ds.train.n, ds.val.n]).toEqual([150, 50]);
  });
});
