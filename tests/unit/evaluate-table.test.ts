import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateBundle, formatEvaluation, type EvaluateResult } from '../../trainer/src/cli/evaluate-command.js';
import { loadDataset } from '../../trainer/src/data/index.js';
import { silentProgress } from '../../trainer/src/pipeline/progress.js';
import { trainPipeline } from '../../trainer/src/pipeline/train.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-evaluate-table-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A seeded two-class table with a shortcut attribute; `only` keeps one class (a test file may hold a single class). */
function table(n: number, seed: number, only?: string, reorder = false): string {
  let s = seed;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const header = ['id', 'f0', 'f1', 'f2', 'label', 'place'];
  const order = reorder ? [5, 4, 3, 2, 1, 0] : [0, 1, 2, 3, 4, 5];
  const lines = [order.map((j) => header[j]).join(',')];
  for (let i = 0; i < n; i++) {
    const y = rand() < 0.5 ? 1 : 0, a = rand() < 0.85 ? y : 1 - y;
    const label = y ? 'dog' : 'cat';
    if (only && label !== only) continue;
    const cells = [`r${seed}-${i}`, (y + 2 * rand()).toFixed(4), (a + 2 * rand()).toFixed(4), rand().toFixed(4), label, a ? 'water' : 'land'];
    lines.push(order.map((j) => cells[j]).join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('evaluate BUNDLE --test FILE: a test file alone, read with the columns the bundle recorded', () => {
  let dir: string, testFile: string, catsFile: string;
  beforeAll(async () => {
    const file = async (name: string, text: string) => {
      const p = path.join(root, name);
      await writeFile(p, text);
      return p;
    };
    const train = await file('train.csv', table(400, 1));
    const val = await file('val.csv', table(200, 2));
    testFile = await file('test.csv', table(200, 3));
    catsFile = await file('cats.csv', table(200, 4, 'cat', true));
    const data = await loadDataset({ kind: 'csv', train, val, test: testFile, attributeColumn: 'place', idColumn: 'id' });
    const summary = await trainPipeline({
      data, algorithms: ['erm'], bundles: ['erm'], sweep: 1, seed: 0, backend: 'wasm', selection: 'auto', out: root, tag: 'toy',
      memorization: { pairs: 1, epochs: 1 }, exemplars: 16, steps: 30, progress: silentProgress,
    });
    dir = summary.bundles[0].dir;
  });

  it('the manifest records the column roles', async () => {
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.dataset.columns).toEqual({ label: 'label', attribute: 'place', id: 'id' });
    expect(manifest.input.featureNames).toEqual(['f0', 'f1', 'f2']);
  });

  it('scores the file alone exactly as the same file read as the dataset\'s test split', async () => {
    const alone = await evaluateBundle(dir, { test: testFile });
    const asSplit = await evaluateBundle(dir, { data: `csv:${path.join(root, 'train.csv')}`, val: path.join(root, 'val.csv'), test: testFile, attributeColumn: 'place' });
    expect(alone.split).toBe('file');
    expect(alone.n).toBe(asSplit.n);
    expect(alone.accuracy).toBe(asSplit.accuracy);
    expect(alone.true_groups).toEqual(asSplit.true_groups);
    expect(alone.inferred_groups).toEqual(asSplit.inferred_groups);
    expect(formatEvaluation(alone)).toMatch(/worst-group accuracy over true groups .*%, over XRM-inferred groups .*%/);
  });

  it('matches labels and groups by name: a file of one class, columns in another order', async () => {
    const r: EvaluateResult = await evaluateBundle(dir, { test: catsFile, out: path.join(root, 'cats.jsonl') });
    const rows = (await readFile(path.join(root, 'cats.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(r.n);
    expect(new Set(rows.map((row) => row.label))).toEqual(new Set(['cat']));
    expect(rows[0].id).toMatch(/^r4-\d+$/);
    expect(rows.every((row) => ['label=cat · place=land', 'label=cat · place=water'].includes(row.group))).toBe(true);
    const correct = rows.filter((row) => row.correct).length;
    expect(correct / rows.length).toBeCloseTo(r.accuracy, 12);
    for (const key of ['p[cat]', 'p[dog]', 'memorization', 'memorization_percentile', 'reliance', 'label_conflict', 'flags']) expect(rows[0]).toHaveProperty(key);
  });

  it('writes the same rows as CSV, and refuses an unknown class naming the row', async () => {
    await evaluateBundle(dir, { test: catsFile, out: path.join(root, 'cats.csv') });
    const csv = (await readFile(path.join(root, 'cats.csv'), 'utf8')).trim().split('\n');
    expect(csv[0].split(',').slice(0, 5)).toEqual(['id', 'label', 'group', 'prediction', 'correct']);
    const jsonl = (await readFile(path.join(root, 'cats.jsonl'), 'utf8')).trim().split('\n');
    expect(csv.length - 1).toBe(jsonl.length);
    const bad = path.join(root, 'bad.csv');
    await writeFile(bad, 'id,f0,f1,f2,label,place\nx1,0.1,0.2,0.3,cat,land\nx2,0.1,0.2,0.3,fox,land\n');
    await expect(evaluateBundle(dir, { test: bad })).rejects.toThrow(`${bad}: row 3, column "label": "fox" is not a class of this model (cat, dog, or an index below 2)`);
  });

  it('mat-edge score reads the same file the same way (openScoreFile): inputs exactly as written, labels by name', async () => {
    const { openScoreFile } = await import('../../trainer/src/data/score-rows.js');
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    const big = path.join(root, 'big.csv');
    const text = table(60_000, 9); // over one 1 MiB read: the later rows come through the numeric cell path
    await writeFile(big, text);
    const lines = text.trim().split('\n').slice(1).map((l) => l.split(','));
    const { rows } = await openScoreFile(big, manifest, manifest.dataset.columns, { labelled: true });
    let i = 0, wrong = 0;
    for await (const row of rows) {
      const cells = lines[i++];
      if (row.id !== cells[0] || row.label !== ['cat', 'dog'].indexOf(cells[4]) || row.input.some((v, k) => !Object.is(v, Number(cells[k + 1])))) wrong++;
    }
    expect(i).toBe(lines.length);
    expect(wrong).toBe(0);
  });

  it('takes a class by index as mat-edge score does (one lookup, categoryIndex), but never an integer name by index', async () => {
    const byIndex = path.join(root, 'by-index.csv');
    await writeFile(byIndex, 'id,f0,f1,f2,label,place\nx1,0.1,0.2,0.3,1,land\nx2,0.1,0.2,0.3,cat,land\n');
    const out = path.join(root, 'by-index.jsonl');
    await evaluateBundle(dir, { test: byIndex, out });
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.label, r.group])).toEqual([['dog', 'label=dog · place=land'], ['cat', 'label=cat · place=land']]);
    const { categoryIndex } = await import('../../trainer/src/data/categories.js');
    const at = { file: 'f.csv', row: 2, column: 'label' };
    expect(categoryIndex(['1', '2', '3'], '2', at, 'class')).toBe(1);
    expect(() => categoryIndex(['1', '2', '3'], '0', at, 'class')).toThrow('f.csv: row 2, column "label": "0" is not a class of this model (1, 2, 3)');
  });
});
