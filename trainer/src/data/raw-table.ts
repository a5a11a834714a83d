import { open, type FileHandle } from 'node:fs/promises';
import { openCsv } from './csv.js';
import { DataValidationError } from './errors.js';
import { openJsonl } from './jsonl.js';
import { openParquet } from './parquet.js';

/** One cell as read: CSV gives strings, JSONL and Parquet give JSON-like scalars. */
export type Cell = string | number | boolean | null;

export interface RawRow {
  /** 1-based line number where the row starts in its file (Parquet: the 1-based row number). */
  line: number;
  cells: Cell[];
}

/** A file's rows, every row with one cell per column, before any type is checked (a whole small table, or a head). */
export interface RawTable {
  file: string;
  columns: string[];
  rows: RawRow[];
}

/**
 * What a consumer makes of a column's cells: a feature (`number`: a reader of text may hand over the number of a plain
 * decimal instead of its text, as `readFeature` would read it), a category or id (`text`), or nothing (`skip`: the
 * cell may be null; the row keeps one cell per column).
 */
export type CellUse = 'number' | 'text' | 'skip';

/** What a format reader gives: the columns, then the rows one at a time, in file order. */
export interface RowSource {
  columns: string[];
  rows: AsyncIterator<RawRow>;
  /** The number of data rows when the format says so up front (Parquet), to size arrays exactly. */
  rowCount?: number;
  /** An estimate of the data rows from the bytes the first `rowsRead` rows took (CSV, JSONL), to size arrays. */
  estimateRows?: (rowsRead: number) => number;
  /** Says how each column's cells are used, for the rows read from now on (CSV: features skip their text). */
  useCells?: (uses: readonly CellUse[]) => void;
}

/**
 * A table being read: its first rows buffered (`head`, where the feature choice looks) and an iterator over the rest.
 * No other row is held: whoever consumes `rest` keeps only what it extracts.
 */
export interface TableStream extends RawTable {
  rest: AsyncIterator<RawRow>;
  /** The rows expected (exact for Parquet, estimated for CSV and JSONL): the size the extracted arrays start with. */
  rowsHint: number;
  useCells?: RowSource['useCells'];
}

export type TableFormat = 'csv' | 'jsonl' | 'parquet';

/** Rows the feature choice may look at (a column is numeric when its first non-empty cell is). */
export const HEAD_ROWS = 1000;

/** Opens a file for reading, turning a failure into the data error users see. */
export async function openFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw cannotRead(file, err);
  }
}

export function cannotRead(file: string, err: unknown): DataValidationError {
  return new DataValidationError({ file }, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
}

const READERS: Record<TableFormat, (file: string) => Promise<RowSource>> = { csv: openCsv, jsonl: openJsonl, parquet: openParquet };

/** Opens a CSV (header row), JSONL or Parquet file and buffers its first `headRows` rows; at least one row is required. */
export async function openTable(file: string, format: TableFormat, headRows = HEAD_ROWS): Promise<TableStream> {
  const { columns, rows, rowCount, estimateRows, useCells } = await READERS[format](file);
  const head: RawRow[] = [];
  while (head.length < headRows) {
    const next = await rows.next();
    if (next.done) break;
    head.push(next.value);
  }
  if (head.length === 0) throw new DataValidationError({ file }, 'no data rows');
  // A little over the estimate, so that the arrays rarely need a second chunk.
  const rowsHint = rowCount ?? (estimateRows ? Math.ceil(1.05 * estimateRows(head.length)) : head.length);
  return { file, columns, rows: head, rest: rows, rowsHint, ...(useCells ? { useCells } : {}) };
}

const EMPTY_ROW: RawRow = { line: 0, cells: [] };

/** Every row of a table, once: its head, then the rest as it is read (the head is emptied). */
export async function* allRows(table: TableStream): AsyncGenerator<RawRow> {
  // The head is handed over row by row and let go, so that no more than the current row is held once it is read.
  const head = table.rows.splice(0);
  try {
    for (let i = 0; i < head.length; i++) {
      const row = head[i];
      head[i] = EMPTY_ROW;
      yield row;
    }
    for (;;) {
      const next = await table.rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Stopped early (an error in a row): let the reader close its file.
    await table.rest.return?.();
  }
}

/** Reads a whole (small) table into memory: tests and tools; training reads through `openTable`. */
export async function readRawTable(file: string, format: TableFormat): Promise<RawTable> {
  const table = await openTable(file, format, Number.POSITIVE_INFINITY);
  return { file, columns: table.columns, rows: table.rows };
}

/** A table's format from its extension, else `fallback` (the `--data` kind), else an error naming the file. */
export function tableFormatOf(file: string, fallback?: TableFormat): TableFormat {
  const extension = /\.(csv|jsonl|parquet)$/i.exec(file)?.[1].toLowerCase() as TableFormat | undefined;
  const format = extension ?? fallback;
  if (format === undefined) throw new DataValidationError({ file }, 'unknown table format (expected a .csv, .jsonl or .parquet file)');
  return format;
}
