import { z } from 'zod';
import { DataValidationError } from './errors.js';
import type { Cell, RawRow, RawTable } from './raw-table.js';

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

/**
 * Parses JSON Lines: one object per non-blank line, every object with the same fields as the first.
 * @example parseJsonl('{"x":[1,2],"label":"cat"}\n', 'data.jsonl').columns // ['x[0]', 'x[1]', 'label']
 */
export function parseJsonl(text: string, file: string): RawTable {
  let columns: string[] | null = null;
  const rows: RawRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let index = 0; index < lines.length; index++) {
    const row = index + 1;
    if (lines[index].trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(lines[index]);
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
    columns ??= [...cells.keys()];
    const missing = columns.find((c) => !cells.has(c));
    if (missing !== undefined) throw new DataValidationError({ file, row, column: missing }, 'missing (every line needs the fields of the first)');
    if (cells.size !== columns.length) {
      const known = new Set(columns);
      const extra = [...cells.keys()].find((c) => !known.has(c));
      throw new DataValidationError({ file, row, column: extra }, 'not in the first line (every line needs the same fields)');
    }
    rows.push({ line: row, cells: columns.map((c) => cells.get(c)!) });
  }
  if (columns === null) throw new DataValidationError({ file }, 'file is empty');
  return { file, columns, rows };
}
