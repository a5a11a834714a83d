import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../trainer/src/data/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'mat-edge-csv-fast-'));
const CHUNK = 1 << 20; // the reader's read size: the tests put lines across its boundaries

/** Every record as openCsv gives it (header first), or the error it stops with. */
async function readAll(file: string): Promise<{ rows: { line: number; cells: unknown[] }[]; error: string | null }> {
  const { columns, rows } = await openCsv(file);
  const out: { line: number; cells: unknown[] }[] = [{ line: 0, cells: columns }];
  try {
    for (let r = await rows.next(); !r.done; r = await rows.next()) out.push(r.value);
  } catch (err) {
    return { rows: out, error: (err as Error).message };
  }
  return { rows: out, error: null };
}

/** csv-parse alone on the whole text with the reader's options: the records and the line each starts on. */
function reference(text: string): { line: number; cells: unknown[] }[] {
  const records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  return records.map(({ record, info }, i) => ({
    line: i === 0 ? 0 : info.lines - record.reduce((n, f) => n + (f.split('\n').length - 1), 0),
    cells: i === 0 ? record.map((c) => c.trim()) : record,
  }));
}

/** A quote-free table of about `bytes` bytes: numbers, multi-byte labels, blank lines. */
function lines(bytes: number, seed = 1): string[] {
  let s = seed;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const out = ['f0,f1,label,group'];
  for (let size = 0; size < bytes;) {
    const line = rand() < 0.01 ? '' : `${(rand() * 2 - 1).toFixed(4)},${Math.round(rand() * 1e6)},${rand() < 0.5 ? 'café' : '狗'},${rand() < 0.2 ? 'rare' : ' common'}`;
    out.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return out;
}

/** `text` (after `offset` bytes) with a 3-byte character placed so that the first read chunk ends inside it. */
function straddling(text: string[], offset: number): string[] {
  const out = [...text];
  let at = 0, i = 0;
  for (; at + Buffer.byteLength(out[i]) + 1 < CHUNK - 100; i++) at += Buffer.byteLength(out[i]) + 1;
  const pad = CHUNK - 1 - offset - at - Buffer.byteLength('0,0,');
  out.splice(i, 0, `0,0,${'x'.repeat(pad)}狗,common`);
  return out;
}

describe('CSV fast path: quote- and CR-free text is split as csv-parse splits it', () => {
  it('a multi-chunk file with a BOM, blank lines, a character across a chunk boundary and no final newline', async () => {
    const text = `\ufeff${straddling(lines(3 * CHUNK), 3).join('\n')}`;
    expect(Buffer.from(text).subarray(CHUNK - 1, CHUNK + 2).toString()).toBe('狗');
    const file = join(dir, 'plain.csv');
    writeFileSync(file, text);
    const got = await readAll(file);
    expect(got.error).toBeNull();
    expect(got.rows).toEqual(reference(text));
    expect(got.rows.some((r) => /^x+狗$/.test(String(r.cells[2])))).toBe(true);
  });

  it('hands over to csv-parse at the first chunk with a quote: records, lines and errors as csv-parse alone gives them', async () => {
    const base = lines(3 * CHUNK, 2);
    const at = Math.floor(base.length * 0.6); // in the second chunk
    base.splice(at, 0, '1,2,"two\nlines",common', '', '3,4,"a ""quoted"" word",rare');
    const text = `${base.join('\n')}\n`;
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, text);
    const got = await readAll(file);
    expect(got.error).toBeNull();
    expect(got.rows).toEqual(reference(text));
    expect(got.rows.find((r) => r.cells[2] === 'two\nlines')).toBeDefined();

    // A ragged row past the hand-over is named by its line, as before.
    const ragged = [...base];
    ragged.splice(at + 10, 0, '5,6,common');
    writeFileSync(join(dir, 'ragged.csv'), `${ragged.join('\n')}\n`);
    const lineOf = ragged.slice(0, at + 10).reduce((n, l) => n + l.split('\n').length, 0) + 1;
    expect((await readAll(join(dir, 'ragged.csv'))).error).toBe(`${join(dir, 'ragged.csv')}: row ${lineOf}: 3 fields, but the header has 4 columns`);
  });

  it('a ragged row and a bad quote in the fast part are reported at their lines', async () => {
    const base = lines(2 * CHUNK, 3);
    const ragged = [...base];
    ragged[5000] = '1,2,3';
    writeFileSync(join(dir, 'fast-ragged.csv'), ragged.join('\n'));
    expect((await readAll(join(dir, 'fast-ragged.csv'))).error).toBe(`${join(dir, 'fast-ragged.csv')}: row 5001: 3 fields, but the header has 4 columns`);
    const quote = [...base];
    quote[20000] = '1,2,b"c,common';
    writeFileSync(join(dir, 'fast-quote.csv'), quote.join('\n'));
    expect((await readAll(join(dir, 'fast-quote.csv'))).error).toBe(`${join(dir, 'fast-quote.csv')}: row 20001: a quote inside an unquoted field (quote the whole field and double the quote: "a""b")`);
  });

  it('CRLF files are csv-parse\'s from the start', async () => {
    const text = `${lines(CHUNK + 5000, 4).join('\r\n')}\r\n`;
    writeFileSync(join(dir, 'crlf.csv'), text);
    const got = await readAll(join(dir, 'crlf.csv'));
    expect(got.error).toBeNull();
    expect(got.rows).toEqual(reference(text));
  });
});

describe('CSV fast path with useCells: a feature\'s plain decimal comes as its number', () => {
  it('every plain decimal is exactly Number(text); every other cell is its text, as csv-parse gives it', async () => {
    let s = 7;
    const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    const odd = ['', ' 1.5', '1.5 ', '1e5', '-1E-3', '.5', '5.', '-', '+', '.', '0x10', 'NaN', 'inf', '1.2.3', '١', '12345678901234567', '-0', '-0.0000', '+7', '007.50', 'abc'];
    const cell = () => {
      const r = rand();
      if (r < 0.1) return odd[Math.floor(rand() * odd.length)];
      const digits = 1 + Math.floor(rand() * 17);
      const text = String(Math.floor(rand() * 10 ** digits)).padStart(digits, '0');
      const dot = Math.floor(rand() * (digits + 1));
      return `${rand() < 0.3 ? '-' : ''}${text.slice(0, dot)}${rand() < 0.8 ? '.' : ''}${text.slice(dot)}`;
    };
    const ROWS = 100_000; // several read chunks: the first one's rows are text (read with the header)
    const rows = ['f0,name,f1,unused,f2'];
    for (let i = 0; i < ROWS; i++) rows.push([cell(), `n${i}`, cell(), 'x', cell()].join(','));
    const text = `${rows.join('\n')}\n`;
    writeFileSync(join(dir, 'numbers.csv'), text);
    const { rows: it, useCells } = await openCsv(join(dir, 'numbers.csv'));
    useCells!(['number', 'text', 'number', 'skip', 'number']);
    const want = reference(text).slice(1);
    // Mismatches collected, not asserted per cell: 300,000 expect() calls would take most of a minute.
    const wrong: string[] = [];
    const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)$/;
    let i = 0, numbers = 0, textRows = 0;
    for (let r = await it.next(); !r.done; r = await it.next(), i++) {
      const { line, cells } = r.value, ref = want[i];
      if (line !== ref.line) wrong.push(`row ${i}: line ${line}, expected ${ref.line}`);
      // The rows of the chunk the header came in were split as text before useCells; every later row by its use.
      if (cells[3] !== null) {
        if (numbers > 0 || cells.some((c, j) => c !== ref.cells[j])) wrong.push(`row ${i}: text row ${JSON.stringify(cells)}`);
        textRows++;
        continue;
      }
      if (cells[1] !== ref.cells[1]) wrong.push(`row ${i}: name ${cells[1]}`);
      for (const j of [0, 2, 4]) {
        const t = ref.cells[j] as string;
        if (typeof cells[j] !== 'number') {
          if (cells[j] !== t) wrong.push(`row ${i}: ${JSON.stringify(cells[j])} for ${JSON.stringify(t)}`);
          continue;
        }
        numbers++;
        if (!Object.is(cells[j], Number(t)) || !PLAIN.test(t)) wrong.push(`row ${i}: ${cells[j]} for ${JSON.stringify(t)}`);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(i).toBe(ROWS);
    expect(textRows).toBeLessThan(ROWS / 2);
    expect(numbers).toBeGreaterThan(0.7 * 3 * (ROWS - textRows));
  });
});
