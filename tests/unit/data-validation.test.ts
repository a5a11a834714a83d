import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataValidationError, loadDataset, type DataSpecInput } from '../../trainer/src/data/index.js';
import { readRawTable } from '../../trainer/src/data/raw-table.js';

const dir = mkdtempSync(join(tmpdir(), 'mat-edge-validation-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Loads and expects a DataValidationError at exactly this file, row and column, with this message. */
async function rejects(spec: DataSpecInput, at: { file: string; row?: number; column?: string }, message: string | RegExp): Promise<void> {
  const error = await loadDataset(spec).then(() => null, (err: unknown) => err);
  expect(error).toBeInstanceOf(DataValidationError);
  const e = error as DataValidationError;
  expect({ file: e.file, row: e.row, column: e.column }).toEqual({ row: undefined, column: undefined, ...at });
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
}

const csv = (name: string, text: string): DataSpecInput => ({ kind: 'csv', train: file(name, text) });
const GOOD = 'f1,f2,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n9,10,a\n11,12,b\n';

describe('user data validation names file, row and column', () => {
  it('a non-numeric feature', async () => {
    const spec = csv('data.csv', 'f1,f2,f3,label\n1,2,3,a\n1,2,abc,b\n');
    await rejects(spec, { file: join(dir, 'data.csv'), row: 3, column: 'f3' }, `${join(dir, 'data.csv')}: row 3, column "f3": "abc" is not a number`);
  });

  it('empty and non-finite features', async () => {
    const path = join(dir, 'gaps.csv');
    await rejects(csv('gaps.csv', 'f1,label\n1,a\n ,b\n'), { file: path, row: 3, column: 'f1' }, `${path}: row 3, column "f1": is empty (missing values are not supported)`);
    for (const bad of ['NaN', 'inf', '-Infinity', '1e999']) {
      await rejects(csv('gaps.csv', `f1,label\n1,a\n${bad},b\n`), { file: path, row: 3, column: 'f1' }, `${path}: row 3, column "f1": "${bad}" is not a finite number`);
    }
    await rejects(csv('gaps.csv', 'f1,label\n0x10,a\n'), { file: path, row: 2, column: 'f1' }, `${path}: row 2, column "f1": "0x10" is not a number`);
  });

  it('inconsistent column counts, with line numbers that count multi-line quoted fields', async () => {
    const path = join(dir, 'ragged.csv');
    await rejects(csv('ragged.csv', 'f1,"f\n2",label\n1,2,a\n1,2\n'), { file: path, row: 4 }, `${path}: row 4: 2 fields, but the header has 3 columns`);
  });

  it('a missing label, group or attribute column', async () => {
    const path = join(dir, 'good.csv');
    await rejects({ ...csv('good.csv', GOOD), labelColumn: 'y' } as DataSpecInput, { file: path, column: 'y' }, `${path}: column "y": label column not found (columns: f1, f2, label)`);
    await rejects({ ...csv('good.csv', GOOD), attributeColumn: 'place' } as DataSpecInput, { file: path, column: 'place' }, `${path}: column "place": attribute column not found (columns: f1, f2, label)`);
  });

  it('an empty file, a header without rows, a file that does not exist', async () => {
    await rejects(csv('empty.csv', '\n\n'), { file: join(dir, 'empty.csv') }, `${join(dir, 'empty.csv')}: file is empty`);
    await rejects(csv('header.csv', 'f1,label\n'), { file: join(dir, 'header.csv') }, `${join(dir, 'header.csv')}: no data rows`);
    await rejects({ kind: 'csv', train: join(dir, 'nope.csv') }, { file: join(dir, 'nope.csv') }, `${join(dir, 'nope.csv')}: cannot read file (ENOENT)`);
  });

  it('a class absent from the training split, or a single class', async () => {
    const train = file('train.csv', GOOD), val = file('val.csv', 'f1,f2,label\n1,2,c\n'), test = file('test.csv', GOOD);
    await rejects({ kind: 'csv', train, val, test }, { file: train, column: 'label' }, `${train}: column "label": class "c" has no example in the training split`);
    await rejects(csv('one.csv', 'f,label\n1,a\n2,a\n'), { file: join(dir, 'one.csv'), column: 'label' }, `${join(dir, 'one.csv')}: column "label": needs at least 2 classes, found 1 (a)`);
  });

  it('an empty label and a split left empty by the fractions', async () => {
    const path = join(dir, 'nolabel.csv');
    await rejects(csv('nolabel.csv', 'f,label\n1,a\n2,""\n'), { file: path, row: 3, column: 'label' }, `${path}: row 3, column "label": "" is not a category (expected non-empty text or an integer)`);
    await rejects(csv('tiny.csv', 'f,label\n1,a\n2,b\n'), { file: join(dir, 'tiny.csv') }, `${join(dir, 'tiny.csv')}: the val split is empty (too few rows for the split fractions)`);
  });

  it('validation and test files must have the training columns', async () => {
    const train = file('train2.csv', GOOD), val = file('val2.csv', 'f1,f3,label\n1,2,a\n');
    await rejects({ kind: 'csv', train, val, test: train }, { file: val, column: 'f2' }, `${val}: column "f2": feature column of the training file is missing`);
  });

  it('CSV quoting errors and header errors', async () => {
    const path = join(dir, 'quotes.csv');
    await rejects(csv('quotes.csv', 'f,label\n1,a\n"2,b\n'), { file: path, row: 3 }, `${path}: row 3: unterminated quoted field`);
    await rejects(csv('quotes.csv', 'f,label\n"1"x,a\n'), { file: path, row: 2 }, `${path}: row 2: unexpected "x" after a closing quote`);
    await rejects(csv('quotes.csv', 'f,f,label\n1,2,a\n'), { file: path, row: 1, column: 'f' }, `${path}: row 1, column "f": duplicate column name in the header`);
  });

  it('JSONL: invalid JSON, non-objects, unsupported values, missing or extra fields, non-finite numbers', async () => {
    const path = join(dir, 'bad.jsonl');
    const jsonl = (text: string): DataSpecInput => ({ kind: 'jsonl', train: file('bad.jsonl', text) });
    await rejects(jsonl('{"f":1,"label":"a"}\n{"f":2,"label":}\n'), { file: path, row: 2 }, /bad\.jsonl: row 2: invalid JSON \(.+\)$/);
    await rejects(jsonl('[1,2]\n'), { file: path, row: 1 }, `${path}: row 1: must be a JSON object`);
    await rejects(jsonl('{"f":{"g":1},"label":"a"}\n'), { file: path, row: 1, column: 'f' }, `${path}: row 1, column "f": must be a number, a string, a boolean, null or an array of numbers`);
    await rejects(jsonl('{"f":1,"label":"a"}\n\n{"label":"b"}\n'), { file: path, row: 3, column: 'f' }, `${path}: row 3, column "f": missing (every line needs the fields of the first)`);
    await rejects(jsonl('{"f":1,"label":"a"}\n{"f":1,"g":2,"label":"b"}\n'), { file: path, row: 2, column: 'g' }, `${path}: row 2, column "g": not in the first line (every line needs the same fields)`);
    await rejects(jsonl('{"f":1,"label":"a"}\n{"f":1e999,"label":"b"}\n'), { file: path, row: 2, column: 'f' }, `${path}: row 2, column "f": Infinity is not a finite number`);
    await rejects(jsonl('{"f":null,"label":"a"}\n'), { file: path, row: 1, column: 'f' }, `${path}: row 1, column "f": is empty (missing values are not supported)`);
    await rejects(jsonl('{"f":1,"label":1.5}\n'), { file: path, row: 1, column: 'label' }, `${path}: row 1, column "label": 1.5 is not a category (expected non-empty text or an integer)`);
  });
});

describe('CSV parser', () => {
  it('handles quotes, escaped quotes, embedded newlines, CRLF, a BOM and blank lines', async () => {
    const table = await readRawTable(file('q.csv', '\uFEFFa,"b ""B""",c\r\n"1,5","x\ny",3\r\n\r\n4,,6'), 'csv');
    expect(table.columns).toEqual(['a', 'b "B"', 'c']);
    expect(table.rows).toEqual([{ line: 2, cells: ['1,5', 'x\ny', '3'] }, { line: 5, cells: ['4', '', '6'] }]);
  });
});
