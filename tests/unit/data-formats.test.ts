import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { Growable } from '../../trainer/src/data/growable.js';
import { DataValidationError, loadDataset, parseDataFlag, type Dataset, type DataSpecInput } from '../../trainer/src/data/index.js';
import { parseNpyHeader } from '../../trainer/src/data/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'mat-edge-formats-'));
const path = (name: string) => join(dir, name);

/** A small seeded table: 3 features (multiples of 1/4, exact in float32), a string label, a group. */
interface Table { x: number[][]; label: string[]; group: string[] }
function table(n: number, seed: number): Table {
  let s = seed;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const t: Table = { x: [], label: [], group: [] };
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    t.x.push([Math.round(rand() * 40) / 4 - 5, y + Math.round(rand() * 8) / 4, -Math.round(rand() * 100) / 4]);
    t.label.push(y ? 'dog' : 'cat');
    t.group.push(rand() < 0.3 ? 'rare' : 'common');
  }
  return t;
}

function writeCsv(name: string, t: Table): string {
  const lines = ['f0,f1,f2,label,group', ...t.x.map((r, i) => `${r.join(',')},${t.label[i]},${t.group[i]}`)];
  writeFileSync(path(name), `${lines.join('\n')}\n`);
  return path(name);
}

function writeJsonl(name: string, t: Table): string {
  writeFileSync(path(name), t.x.map((r, i) => JSON.stringify({ label: t.label[i], f0: r[0], f1: r[1], f2: r[2], group: t.group[i] })).join('\n'));
  return path(name);
}

/** Scalar feature columns f0..f2, or one list<float> column `emb` (an embedding). */
function writeParquet(name: string, t: Table, layout: 'scalar' | 'list'): string {
  const strings = [
    { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'group', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  ] as const;
  const features = layout === 'scalar'
    ? [0, 1, 2].map((j) => ({ name: `f${j}`, type: 'DOUBLE', repetition_type: 'REQUIRED' }) as const)
    : [
      { name: 'emb', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ] as const;
  const columnData = layout === 'scalar'
    ? [0, 1, 2].map((j) => ({ name: `f${j}`, data: t.x.map((r) => r[j]) }))
    : [{ name: 'emb', data: t.x }];
  parquetWriteFile({
    filename: path(name),
    rowGroupSize: 5, // several row groups even for a small table
    columnData: [...columnData, { name: 'label', data: t.label }, { name: 'group', data: t.group }],
    schema: [{ name: 'root', num_children: columnData.length + 2 }, ...features, ...strings],
  });
  return path(name);
}

/** A .npy file: the magic, a v1.0 header padded to 64 bytes, then the values. */
function npyBytes(descr: string, shape: number[], values: ArrayBufferView, fortran = false): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const preamble = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(preamble);
  preamble.writeUInt16LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

function writeNpy(name: string, t: Table, dtype: 'f4' | 'f8'): string {
  const values = dtype === 'f4' ? Float32Array.from(t.x.flat()) : Float64Array.from(t.x.flat());
  writeFileSync(path(name), npyBytes(`<${dtype}`, [t.x.length, 3], values));
  return path(name);
}

async function failure(spec: DataSpecInput): Promise<DataValidationError> {
  const error = await loadDataset(spec).then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(DataValidationError);
  return error as DataValidationError;
}

const where = (e: DataValidationError) => ({ file: e.file, row: e.row, column: e.column });

describe('every format reads the same table to the same Dataset', () => {
  const splits = { train: table(40, 1), val: table(12, 2), test: table(12, 3) };
  const roles = { labelColumn: 'label', groupColumn: 'group' };
  const loaded: Record<string, Dataset> = {};
  beforeAll(async () => {
    const files = (write: (name: string, t: Table) => string, ext: string) =>
      ({ train: write(`train.${ext}`, splits.train), val: write(`val.${ext}`, splits.val), test: write(`test.${ext}`, splits.test) });
    loaded.csv = await loadDataset({ kind: 'csv', ...files(writeCsv, 'csv'), ...roles });
    loaded.jsonl = await loadDataset({ kind: 'jsonl', ...files(writeJsonl, 'jsonl'), ...roles });
    loaded.parquet = await loadDataset({ kind: 'parquet', ...files((n, t) => writeParquet(n, t, 'scalar'), 'parquet'), ...roles });
    loaded.parquetList = await loadDataset({ kind: 'parquet', ...files((n, t) => writeParquet(`list-${n}`, t, 'list'), 'parquet'), ...roles });
    const labels = files(writeCsv, 'csv');
    for (const dtype of ['f4', 'f8'] as const) {
      const npy = files((n, t) => writeNpy(`${dtype}-${n}`, t, dtype), 'npy');
      loaded[`npy-${dtype}`] = await loadDataset({ kind: 'npy', ...npy, labels: labels.train, valLabels: labels.val, testLabels: labels.test, ...roles });
    }
    // Split files in other formats than --data are read by their extension.
    loaded.mixed = await loadDataset({ kind: 'csv', train: path('train.csv'), val: path('val.parquet'), test: path('test.jsonl'), ...roles });
    // A companion in another format is read by its extension.
    const npy = files((n, t) => writeNpy(`mixed-${n}`, t, 'f8'), 'npy');
    const parquetLabels = files((n, t) => writeParquet(`labels-${n}`, t, 'list'), 'parquet');
    loaded.npyParquetLabels = await loadDataset({ kind: 'npy', ...npy, labels: parquetLabels.train, valLabels: parquetLabels.val, testLabels: parquetLabels.test, ...roles });
  });

  it('identical x, y and group for CSV, JSONL, Parquet (scalar and list columns) and npy (float32, float64) + companion', () => {
    const reference = loaded.csv;
    expect(reference.classNames).toEqual(['cat', 'dog']);
    expect(reference.groupNames).toEqual(['common', 'rare']);
    expect([reference.train.n, reference.val.n, reference.test.n]).toEqual([40, 12, 12]);
    expect([...reference.train.y].slice(0, 4)).toEqual([0, 1, 0, 1]);
    for (const [name, ds] of Object.entries(loaded)) {
      for (const split of ['train', 'val', 'test'] as const) {
        expect(ds[split].x, `${name} ${split} x`).toEqual(reference[split].x);
        expect(ds[split].y, `${name} ${split} y`).toEqual(reference[split].y);
        expect(ds[split].group, `${name} ${split} group`).toEqual(reference[split].group);
      }
      expect(ds.classNames).toEqual(reference.classNames);
      expect(ds.groupNames).toEqual(reference.groupNames);
    }
  });

  it('names features by format: columns, a list column expanded, f0… for an array', () => {
    const names = (ds: Dataset) => (ds.input.kind === 'features' ? ds.input.featureNames : []);
    expect(names(loaded.csv)).toEqual(['f0', 'f1', 'f2']);
    expect(names(loaded.jsonl)).toEqual(['f0', 'f1', 'f2']);
    expect(names(loaded.parquetList)).toEqual(['emb[0]', 'emb[1]', 'emb[2]']);
    expect(names(loaded['npy-f4'])).toEqual(['f0', 'f1', 'f2']);
    expect(loaded['npy-f4'].name).toBe('npy:f4-train.npy');
    expect(loaded.parquet.name).toBe('parquet:train.parquet');
  });

  it('keeps the companion file lines as the rows of npy features', () => {
    expect(loaded['npy-f8'].val.meta.line).toEqual(loaded.csv.val.meta.line);
    expect(loaded.parquet.val.meta.line).toEqual(Int32Array.from({ length: 12 }, (_, i) => i + 1));
  });
});

describe('streaming', () => {
  it('reads rows past the buffered head, and names the row of a bad cell far into the file', async () => {
    const n = 2500;
    const lines = ['a,b,label'];
    for (let i = 0; i < n; i++) lines.push(`${i},${(i * 7) % 13},${i % 3 === 0 ? 'x' : 'y'}`);
    writeFileSync(path('long.csv'), `${lines.join('\n')}\n`);
    const ds = await loadDataset({ kind: 'csv', train: path('long.csv'), val: path('long.csv'), test: path('long.csv') });
    expect(ds.train.n).toBe(n);
    expect(ds.train.meta.line[n - 1]).toBe(n + 1);
    lines[2001] = '5,oops,y';
    writeFileSync(path('long-bad.csv'), `${lines.join('\n')}\n`);
    const e = await failure({ kind: 'csv', train: path('long-bad.csv') });
    expect(where(e)).toEqual({ file: path('long-bad.csv'), row: 2002, column: 'b' });
    lines[2001] = '5,6';
    writeFileSync(path('long-ragged.csv'), `${lines.join('\n')}\n`);
    expect((await failure({ kind: 'csv', train: path('long-ragged.csv') })).message).toBe(`${path('long-ragged.csv')}: row 2002: 2 fields, but the header has 3 columns`);
  });

  it('splits permute the rows in place: each part a view of one buffer, rows in part order', async () => {
    const { partitionRows } = await import('../../trainer/src/data/encoded-rows.js');
    const n = 7, d = 2;
    const features = Float64Array.from({ length: n * d }, (_, k) => 10 * Math.floor(k / d) + (k % d));
    const rows = { n, d, features, y: Int32Array.from({ length: n }, (_, i) => i), group: null, meta: { line: Int32Array.from({ length: n }, (_, i) => i + 2) } };
    const parts = [Int32Array.of(0, 3, 4, 6), Int32Array.of(2, 5), Int32Array.of(1)];
    const [a, b, c] = partitionRows(rows, parts);
    expect([...a.features]).toEqual([0, 1, 30, 31, 40, 41, 60, 61]);
    expect([...b.features]).toEqual([20, 21, 50, 51]);
    expect([...c.features]).toEqual([10, 11]);
    expect([...b.y, ...b.meta.line]).toEqual([2, 5, 4, 7]);
    expect(a.features.buffer).toBe(features.buffer);
    expect(() => partitionRows({ ...rows, features: new Float64Array(n * d) }, [Int32Array.of(0)])).toThrow(/the parts hold 1 rows, the table 7/);
  });

  it('a growable array keeps every value across chunk boundaries', () => {
    const g = new Growable((n) => new Float64Array(n), 0, 7);
    for (let i = 0; i < 100; i++) g.push(i / 2);
    expect(g.length).toBe(100);
    expect([...g.toArray()]).toEqual(Array.from({ length: 100 }, (_, i) => i / 2));
    const exact = new Growable((n) => new Int32Array(n), 3);
    [4, 5, 6].forEach((v) => exact.push(v));
    expect([...exact.toArray()]).toEqual([4, 5, 6]);
  });
});

describe('errors name the file, row and column in every format', () => {
  const t = table(6, 9);

  it('Parquet: a non-finite value, a list of another length, an unsupported column', async () => {
    const bad = { ...t, x: t.x.map((r, i) => (i === 3 ? [r[0], Number.NaN, r[2]] : r)) };
    const file = writeParquet('nan.parquet', bad, 'list');
    let e = await failure({ kind: 'parquet', train: file });
    expect(e.message).toBe(`${file}: row 4, column "emb[1]": NaN is not a finite number`);
    const short = writeParquet('short.parquet', { ...t, x: t.x.map((r, i) => (i === 5 ? r.slice(0, 2) : r)) }, 'list');
    e = await failure({ kind: 'parquet', train: short });
    expect(e.message).toBe(`${short}: row 6, column "emb[2]": missing (every row needs the fields of the first)`);
    const nested = path('nested.parquet');
    parquetWriteFile({ filename: nested, columnData: [{ name: 'f', data: [1, 2] }, { name: 'label', data: [{ a: 1 }, { a: 2 }] }] });
    e = await failure({ kind: 'parquet', train: nested });
    expect(where(e)).toEqual({ file: nested, row: 1, column: 'label' });
    writeFileSync(path('not.parquet'), 'f,label\n1,a\n');
    expect((await failure({ kind: 'parquet', train: path('not.parquet') })).message).toMatch(/not\.parquet: not a readable Parquet file/);
  });

  it('npy: dtype, Fortran order, dimensions, truncation, a non-finite value, the companion row count', async () => {
    const labels = writeCsv('npy-labels.csv', t);
    const npy = (name: string, bytes: Buffer) => {
      writeFileSync(path(name), bytes);
      return { kind: 'npy' as const, train: path(name), labels };
    };
    const values = Float64Array.from(t.x.flat());
    expect((await failure(npy('be.npy', npyBytes('>f8', [6, 3], values)))).message).toMatch(/be\.npy: dtype ">f8" is not supported \(expected little-endian/);
    expect((await failure(npy('c16.npy', npyBytes('<c16', [6, 3], values)))).message).toMatch(/dtype "<c16" is not supported/);
    expect((await failure(npy('fortran.npy', npyBytes('<f8', [6, 3], values, true)))).message).toMatch(/fortran\.npy: Fortran-order arrays are not supported/);
    expect((await failure(npy('flat.npy', npyBytes('<f8', [18], values)))).message).toBe(`${path('flat.npy')}: shape (18,) is not 2-D [n, d] (one row of d features per example)`);
    expect((await failure(npy('cube.npy', npyBytes('<f8', [6, 3, 1], values)))).message).toMatch(/shape \(6, 3, 1\) is not 2-D/);
    expect((await failure(npy('short.npy', npyBytes('<f8', [7, 3], values)))).message).toMatch(/short\.npy: holds 144 bytes of data, but shape \(7, 3\) of <f8 needs 168 \(truncated\?\)/);
    const nan = Float32Array.from(values);
    nan[4 * 3 + 2] = Number.NaN;
    let e = await failure(npy('nan.npy', npyBytes('<f4', [6, 3], nan)));
    expect(e.message).toBe(`${path('nan.npy')}: row 5, column "f2": NaN is not a finite number`);
    e = await failure({ kind: 'npy', train: writeNpy('rows.npy', t, 'f8'), labels: writeCsv('fewer.csv', table(5, 9)) });
    expect(e.message).toBe(`${path('fewer.csv')}: has 5 rows, but ${path('rows.npy')} has 6 (row i of the labels file annotates row i of the array)`);
    e = await failure({ kind: 'npy', train: path('rows.npy'), labels, labelColumn: 'y' });
    expect(where(e)).toEqual({ file: labels, row: undefined, column: 'y' });
    // Integers are read too.
    const ints = await loadDataset({ ...npy('ints.npy', npyBytes('<i4', [6, 3], Int32Array.from(t.x.flat(), (v) => Math.round(v * 4)))), val: path('ints.npy'), valLabels: labels, test: path('ints.npy'), testLabels: labels });
    expect(ints.train.n).toBe(6);
    expect(() => parseNpyHeader(Buffer.from('PK\x03\x04not npy'), 'x.npy')).toThrow('x.npy: not a NumPy .npy file');
  });

  it('JSONL past its first line and CSV quoting stay as before', async () => {
    writeFileSync(path('late.jsonl'), `${JSON.stringify({ f: 1, label: 'a' })}\n\n${JSON.stringify({ f: 'x', label: 'b' })}\n`);
    expect(where(await failure({ kind: 'jsonl', train: path('late.jsonl') }))).toEqual({ file: path('late.jsonl'), row: 3, column: 'f' });
    writeFileSync(path('crlf.csv'), 'f,label\r\n1,a\r\n"x\r\ny",b\r\n2,1,c\r\n');
    expect((await failure({ kind: 'csv', train: path('crlf.csv') })).message).toBe(`${path('crlf.csv')}: row 5: 3 fields, but the header has 2 columns`);
    writeFileSync(path('inner-quote.csv'), 'f,label\n1,a\n2,b"c\n');
    expect((await failure({ kind: 'csv', train: path('inner-quote.csv') })).message).toBe(`${path('inner-quote.csv')}: row 3: a quote inside an unquoted field (quote the whole field and double the quote: "a""b")`);
  });
});

describe('--data forms for Parquet and npy', () => {
  it('parses prefixes and extensions, and asks for the labels of npy features', () => {
    expect(parseDataFlag('parquet:emb.pq')).toMatchObject({ kind: 'parquet', train: 'emb.pq' });
    expect(parseDataFlag('data/emb.parquet')).toMatchObject({ kind: 'parquet', train: 'data/emb.parquet' });
    expect(parseDataFlag('emb.npy', { labels: 'meta.csv', val: 'v.npy', valLabels: 'v.csv' })).toMatchObject({ kind: 'npy', train: 'emb.npy', labels: 'meta.csv', valLabels: 'v.csv' });
    expect(() => parseDataFlag('npy:emb.npy')).toThrow(/npy features need their labels: --labels FILE/);
    expect(() => parseDataFlag('emb.npy', { labels: 'm.csv', test: 't.npy' })).toThrow(/--test-labels FILE/);
    expect(() => parseDataFlag('a.csv', { labels: 'm.csv' })).toThrow(/--labels is for npy features only/);
  });
});

describe('feature cells', () => {
  it('the hand-written decimal scan accepts exactly the decimal grammar (finite values)', async () => {
    const { readFeature } = await import('../../trainer/src/data/cells.js');
    const fc = (await import('fast-check')).default;
    const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
    const text = fc.array(fc.constantFrom(...'0123456789+-.eE x'), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(fc.property(text, (s) => {
      const t = s.trim();
      return t === '' || (typeof readFeature(s) === 'number') === (DECIMAL.test(t) && Number.isFinite(Number(t)));
    }), { numRuns: 20_000 });
  });
});
