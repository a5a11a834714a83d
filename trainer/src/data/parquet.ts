import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { DataValidationError } from './errors.js';
import { cannotRead, type Cell, type RawRow, type RowSource } from './raw-table.js';

const UNSUPPORTED = 'must be a number, a string, a boolean, null or an array of numbers';

/** A scalar Parquet value as a cell (INT64 arrives as bigint, timestamps as Date), or undefined when it is none. */
function scalarCell(value: unknown): Cell | undefined {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return Number(value);
    default:
      return value instanceof Date ? value.toISOString() : undefined;
  }
}

/** How one top-level column maps to cells: a scalar, or a list (an embedding) of the first row's length. */
type Layout = { name: string; list: false } | { name: string; list: true; length: number };

function layoutOf(name: string, isList: boolean, first: unknown, file: string): Layout {
  if (!isList) return { name, list: false };
  if (!Array.isArray(first)) throw new DataValidationError({ file, row: 1, column: name }, UNSUPPORTED);
  return { name, list: true, length: first.length };
}

/** One row's values (schema column order) as cells, checked against the layout the first row set. */
function rowCells(values: unknown[], layouts: Layout[], file: string, row: number, out: Cell[]): Cell[] {
  let k = 0;
  layouts.forEach((layout, j) => {
    const value = values[j];
    if (!layout.list) {
      const cell = scalarCell(value);
      if (cell === undefined) throw new DataValidationError({ file, row, column: layout.name }, UNSUPPORTED);
      out[k++] = cell;
      return;
    }
    if (!Array.isArray(value)) throw new DataValidationError({ file, row, column: layout.name }, UNSUPPORTED);
    if (value.length < layout.length) throw new DataValidationError({ file, row, column: `${layout.name}[${value.length}]` }, 'missing (every row needs the fields of the first)');
    if (value.length > layout.length) throw new DataValidationError({ file, row, column: `${layout.name}[${layout.length}]` }, 'not in the first row (every row needs the same fields)');
    for (const v of value) {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number') throw new DataValidationError({ file, row, column: layout.name }, UNSUPPORTED);
      out[k++] = n;
    }
  });
  return out;
}

/** The rows of one row group, as hyparquet decodes them (schema column order). */
async function readGroup(file: AsyncBuffer, metadata: FileMetaData, rowStart: number, rowEnd: number): Promise<unknown[][]> {
  let rows: unknown[][] = [];
  await parquetRead({ file, metadata, rowStart, rowEnd, rowFormat: 'array', onComplete: (r) => (rows = r as unknown[][]) });
  return rows;
}

/**
 * Opens a Parquet file (hyparquet, pure JS) and reads it one row group at a time: scalar columns become columns, a
 * list column (an embedding) expands to `name[0]`…`name[k−1]` as JSONL arrays do. Rows are numbered from 1.
 * @example (await openParquet('emb.parquet')).columns // ['emb[0]', …, 'emb[383]', 'label']
 */
export async function openParquet(file: string): Promise<RowSource> {
  let buffer: AsyncBuffer;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch (err) {
    throw cannotRead(file, err);
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new DataValidationError({ file }, `not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`);
  }
  const top = parquetSchema(metadata).children;
  const groups: [number, number][] = [];
  let at = 0;
  for (const g of metadata.row_groups) {
    const n = Number(g.num_rows);
    if (n > 0) groups.push([at, at + n]);
    at += n;
  }
  if (groups.length === 0) throw new DataValidationError({ file }, 'no data rows');
  const read = async (start: number, end: number) => {
    try {
      return await readGroup(buffer, metadata, start, end);
    } catch (err) {
      throw new DataValidationError({ file, row: start + 1 }, `cannot decode row group (${err instanceof Error ? err.message : String(err)})`);
    }
  };
  let pending = await read(...groups[0]);
  const layouts = top.map((c, j) => layoutOf(c.element.name, c.children.length > 0, pending[0][j], file));
  const columns = layouts.flatMap((l) => (l.list ? Array.from({ length: l.length }, (_, k) => `${l.name}[${k}]`) : [l.name]));

  async function* rows(): AsyncGenerator<RawRow> {
    for (let g = 0; g < groups.length; g++) {
      const [start] = groups[g];
      const values = g === 0 ? pending : await read(...groups[g]);
      pending = [];
      for (let i = 0; i < values.length; i++) {
        const row = start + i + 1;
        yield { line: row, cells: rowCells(values[i], layouts, file, row, new Array<Cell>(columns.length)) };
        values[i] = [];
      }
    }
  }
  return { columns, rows: rows(), rowCount: at };
}
