import { readFile } from 'node:fs/promises';
import { parseCsv } from './csv.js';
import { DataValidationError } from './errors.js';
import { parseJsonl } from './jsonl.js';

/** One cell as read: CSV gives strings, JSONL gives JSON scalars. */
export type Cell = string | number | boolean | null;

export interface RawRow {
  /** 1-based line number where the row starts in its file. */
  line: number;
  cells: Cell[];
}

/** A file's rows, every row with one cell per column, before any type is checked. */
export interface RawTable {
  file: string;
  columns: string[];
  rows: RawRow[];
}

export type TableFormat = 'csv' | 'jsonl';

/** Reads and tabulates a CSV (header row) or JSONL file. */
export async function readRawTable(file: string, format: TableFormat): Promise<RawTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DataValidationError({ file }, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const table = format === 'csv' ? parseCsv(text, file) : parseJsonl(text, file);
  if (table.rows.length === 0) throw new DataValidationError({ file }, 'no data rows');
  return table;
}
