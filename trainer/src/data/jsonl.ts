import { createInterface } from 'node:readline';
import { z } from 'zod';
import { DataValidationError } from './errors.js';
import { openFile, type Cell, type RawRow, type RowSource } from './raw-table.js';

// Any JS number passes here (JSON.parse turns 1e999 into Infinity); finiteness is the feature cell's check.
const JsonNumber = z.custom<number>((v) => typeof v === 'number');
const JsonValue = z.union([JsonNumber, z.string(), z.boolean(), z.null(), z.array(JsonNumber)], {
  error: 'must be a number, a string, a boolean, null or an array of numbers',
});
const JsonRecord = z.record(z.string(), JsonValue, { error: 'must be a JSON object' });

/** An object's fields as cells; an array value `x: [a, b]` becomes columns `x[0]`, `x[1]`. */
function flatten(record: z.infer<typeof JsonRecord>): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  for (const [key, value] of Object.entries(record)) {
    if (Array.isArray(value)) value.forEach((v, j) => cells.set(`${key}[${j}]`, v));
    else cells.set(key, value);
  }
  return cells;
}

/** One line's object checked and flattened; `columns` null for the first line, which sets them. */
function lineCells(text: string, file: string, row: number, columns: string[] | null): Map<string, Cell> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataValidationError({ file, row }, `invalid JSON (${(err as Error).message})`);
  }
  const parsed = JsonRecord.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const column = issue.path.length > 0 ? String(issue.path[0]) : undefined;
    throw new DataValidationError({ file, row, column }, issue.message);
  }
  const cells = flatten(parsed.data);
  if (columns === null) return cells;
  const missing = columns.find((c) => !cells.has(c));
  if (missing !== undefined) throw new DataValidationError({ file, row, column: missing }, 'missing (every line needs the fields of the first)');
  if (cells.size !== columns.length) {
    const known = new Set(columns);
    const extra = [...cells.keys()].find((c) => !known.has(c));
    throw new DataValidationError({ file, row, column: extra }, 'not in the first line (every line needs the same fields)');
  }
  return cells;
}

/**
 * Opens JSON Lines, read line by line as a stream: one object per non-blank line, every object with the same fields
 * as the first (array fields expand to `x[0]`, `x[1]`, …).
 * @example (await openJsonl('data.jsonl')).columns // ['x[0]', 'x[1]', 'label']
 */
export async function openJsonl(file: string): Promise<RowSource> {
  const handle = await openFile(file);
  const { size } = await handle.stat();
  const input = handle.createReadStream({ encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  let row = 0, bytesRead = 0;
  const close = async () => {
    input.destroy();
    await handle.close().catch(() => {});
  };
  /** The next non-blank line and its 1-based number, or null at the end. */
  const nextLine = async (): Promise<string | null> => {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (err) {
        throw new DataValidationError({ file }, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      if (next.done) return null;
      row++;
      bytesRead += Buffer.byteLength(next.value) + 1;
      const text = row === 1 ? next.value.replace(/^\uFEFF/, '') : next.value;
      if (text.trim() !== '') return text;
    }
  };

  let first: RawRow;
  let columns: string[];
  try {
    const text = await nextLine();
    if (text === null) throw new DataValidationError({ file }, 'file is empty');
    const cells = lineCells(text, file, row, null);
    columns = [...cells.keys()];
    first = { line: row, cells: [...cells.values()] };
  } catch (err) {
    await close();
    throw err;
  }
  async function* rows(): AsyncGenerator<RawRow> {
    try {
      yield first;
      for (let text = await nextLine(); text !== null; text = await nextLine()) {
        const cells = lineCells(text, file, row, columns);
        yield { line: row, cells: columns.map((c) => cells.get(c)!) };
      }
    } finally {
      await close();
    }
  }
  return { columns, rows: rows(), estimateRows: (read) => Math.round((read * size) / Math.max(1, bytesRead)) };
}
