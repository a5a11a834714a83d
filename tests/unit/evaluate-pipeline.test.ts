import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateBundle } from '../../trainer/src/cli/evaluate-command.js';
import { readBundle } from '../../trainer/src/bundle/read.js';
import { readBundleBatches, readBundleTable } from '../../trainer/src/data/bundle-table.js';
import { loadDataset } from '../../trainer/src/data/index.js';
import { silentProgress } from '../../trainer/src/pipeline/progress.js';
import { trainPipeline } from '../../trainer/src/pipeline/train.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-evaluate-pipeline-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A seeded two-class table with a shortcut attribute and ids; `bad` spoils one feature cell of that row. */
function table(n: number, seed: number, bad = -1): string {
  let s = seed;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const lines = ['id,f0,f1,f2,label,place'];
  for (let i = 0; i < n; i++) {
    const y = rand() < 0.5 ? 1 : 0, a = rand() < 0.85 ? y : 1 - y;
    lines.push([`r${i}`, i === bad ? 'x1' : (y + 2 * rand()).toFixed(4), (a + 2 * rand()).toFixed(4), rand().toFixed(4), y ? 'dog' : 'cat', a ? 'water' : 'land'].join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('evaluate --test FILE: the two-thread pipeline gives the one-thread answer', () => {
  let dir: string, testFile: string;
  const file = async (name: string, text: string) => {
    const p = path.join(root, name);
    await writeFile(p, text);
    return p;
  };
  beforeAll(async () => {
    const train = await file('train.csv', table(400, 1));
    const val = await file('val.csv', table(200, 2));
    testFile = await file('test.csv', table(1300, 3));
    const data = await loadDataset({ kind: 'csv', train, val, test: testFile, attributeColumn: 'place', idColumn: 'id' });
    const summary = await trainPipeline({
      data, algorithms: ['mat'], bundles: ['mat'], sweep: 1, seed: 0, backend: 'wasm', selection: 'auto', out: root, tag: 'pipe',
      memorization: { pairs: 1, epochs: 1 }, exemplars: 16, steps: 30, progress: silentProgress,
    });
    dir = summary.bundles[0].dir;
  });

  it('batches of the file hold exactly the rows of the whole file, in order', async () => {
    const { manifest } = await readBundle(dir, { graph: false });
    const whole = await readBundleTable(testFile, manifest);
    const parts = [];
    for await (const b of readBundleBatches(testFile, manifest, 500)) parts.push(b);
    expect(parts.map((b) => b.split.n)).toEqual([500, 500, 300]);
    const cat = <T extends Float32Array | Int32Array>(xs: T[], make: (n: number) => T) => {
      const out = make(xs.reduce((s, x) => s + x.length, 0));
      let at = 0;
      for (const x of xs) (out.set(x, at), (at += x.length));
      return out;
    };
    expect(cat(parts.map((b) => b.split.x), (n) => new Float32Array(n))).toEqual(whole.split.x);
    expect(cat(parts.map((b) => b.split.y), (n) => new Int32Array(n))).toEqual(whole.split.y);
    expect(cat(parts.map((b) => b.split.group!), (n) => new Int32Array(n))).toEqual(whole.split.group);
    expect(cat(parts.map((b) => b.split.meta.line), (n) => new Int32Array(n))).toEqual(whole.split.meta.line);
    expect(parts.flatMap((b) => b.ids!)).toEqual(whole.ids);
  });

  for (const ext of ['jsonl', 'csv']) {
    it(`writes the same rows file, byte for byte, and the same evaluation (.${ext}, batches of 256, a limit mid-batch)`, async () => {
      for (const limit of [undefined, 1000]) {
        const piped = path.join(root, `piped.${ext}`), single = path.join(root, `single.${ext}`);
        const a = await evaluateBundle(dir, { test: testFile, out: piped, batchSize: 256, limit });
        const b = await evaluateBundle(dir, { test: testFile, out: single, batchSize: 256, limit, pipeline: false });
        expect(a.n).toBe(limit ?? 1300);
        expect(a).toEqual(b);
        const [x, y] = [await readFile(piped), await readFile(single)];
        expect(x.length).toBeGreaterThan(0);
        expect(x.equals(y)).toBe(true);
      }
    });
  }

  /** The test table as a float32 .npy of its features (f0…f2) and a labels CSV of its other columns, first `labelRows` rows. */
  async function asNpy(name: string, labelRows = Number.POSITIVE_INFINITY): Promise<{ npy: string; labels: string }> {
    const lines = (await readFile(testFile, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${lines.length}, 3), }`;
    const header = `${dict}${' '.repeat(63 - ((10 + dict.length) % 64))}\n`;
    const values = Float32Array.from(lines.flatMap((c) => c.slice(1, 4).map(Number)));
    const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY\x01\x00', 'latin1'), Buffer.from(Uint16Array.of(header.length).buffer), Buffer.from(header, 'latin1')]);
    const npy = path.join(root, `${name}.npy`);
    await writeFile(npy, Buffer.concat([head, Buffer.from(values.buffer)]));
    const labels = await file(`${name}-labels.csv`, `${['id,label,place', ...lines.slice(0, labelRows).map((c) => [c[0], c[4], c[5]].join(','))].join('\n')}\n`);
    return { npy, labels };
  }

  it('a .npy file with its labels table: the same batches, the same rows file, the same count check', async () => {
    const { npy, labels } = await asNpy('test');
    const { manifest } = await readBundle(dir, { graph: false });
    const whole = await readBundleTable(npy, manifest, labels);
    const xs: number[] = [], lines: number[] = [];
    for await (const b of readBundleBatches(npy, manifest, 512, { labelsFile: labels })) (xs.push(...b.split.x), lines.push(...b.split.meta.line));
    expect(Float32Array.from(xs)).toEqual(whole.split.x);
    expect(Int32Array.from(lines)).toEqual(whole.split.meta.line);
    const piped = path.join(root, 'npy-piped.jsonl'), single = path.join(root, 'npy-single.jsonl');
    await evaluateBundle(dir, { test: npy, testLabels: labels, out: piped, batchSize: 512 });
    await evaluateBundle(dir, { test: npy, testLabels: labels, out: single, batchSize: 512, pipeline: false });
    expect((await readFile(piped)).equals(await readFile(single))).toBe(true);
    const short = await asNpy('short', 1200);
    const message = `${short.labels}: has 1200 rows, but ${short.npy} has 1300 (row i of the labels file annotates row i of the array)`;
    await expect(readBundleTable(short.npy, manifest, short.labels)).rejects.toThrow(message);
    await expect(evaluateBundle(dir, { test: short.npy, testLabels: short.labels, batchSize: 512 })).rejects.toThrow(message);
  });

  it('a bad cell in a later batch is a data error naming its row and column, and leaves no half rows file', async () => {
    const bad = await file('bad.csv', table(900, 3, 700));
    const out = path.join(root, 'bad-rows.jsonl'), before = await file('bad-before.jsonl', 'rows of an earlier run\n');
    // Row 700 of the data is line 702 of the file (header, 1-based).
    await expect(evaluateBundle(dir, { test: bad, out, batchSize: 256 })).rejects.toThrow(/bad\.csv: row 702, column "f0": "x1" is not a number/);
    expect(existsSync(out)).toBe(false);
    await expect(evaluateBundle(dir, { test: bad, out: before, batchSize: 256 })).rejects.toThrow(/row 702/);
    expect(await readFile(before, 'utf8')).toBe('rows of an earlier run\n');
    expect((await readdir(root)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
