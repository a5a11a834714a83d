import { CategoryCodes, type Categories } from './categories.js';
import { parseCategory, readFeature } from './cells.js';
import { columnIndex, type ColumnRoles } from './columns.js';
import { DataValidationError } from './errors.js';
import { float64s, int32s } from './growable.js';
import { allRows, type Cell, type CellUse, type TableStream } from './raw-table.js';

/** A file's checked contents: raw (unstandardised) features and category values as indices into what was read. */
export interface ExtractedTable {
  file: string;
  n: number;
  featureNames: string[];
  /** [n × d] row-major raw values. */
  features: Float64Array;
  labels: Categories;
  groups: Categories | null;
  attributes: Categories | null;
  /** 1-based line of each row in `file`. */
  lines: Int32Array;
  /** Each row's id (`--id-column`) as text, or null without an id column. */
  ids: string[] | null;
}

/**
 * Reads a table to its end, checking every cell it uses, and splits it into features (the columns `featureNames`
 * names, in that order: the training file's choice), labels and optional groups/attributes. Features go straight into
 * one growable Float64Array and categories into indices, so a row's cells are dropped as soon as it is read; columns
 * with no part are not checked.
 */
export async function extractTable(table: TableStream, roles: ColumnRoles, featureNames: readonly string[]): Promise<ExtractedTable> {
  try {
    return await extractRows(table, roles, featureNames);
  } finally {
    // Also when a column is missing before any row is read: the reader closes its file.
    await table.rest.return?.();
  }
}

async function extractRows(table: TableStream, roles: ColumnRoles, featureNames: readonly string[]): Promise<ExtractedTable> {
  const { file } = table;
  const label = columnIndex(table, roles.labelColumn, 'label');
  const group = roles.groupColumn === undefined ? -1 : columnIndex(table, roles.groupColumn, 'group');
  const attribute = roles.attributeColumn === undefined ? -1 : columnIndex(table, roles.attributeColumn, 'attribute');
  const id = roles.idColumn === undefined ? -1 : columnIndex(table, roles.idColumn, 'id');
  const ids: string[] = [];
  const missing = featureNames.find((name) => !table.columns.includes(name));
  if (missing !== undefined) throw new DataValidationError({ file, column: missing }, 'feature column of the training file is missing');
  const order = featureNames.map((name) => table.columns.indexOf(name));
  const d = order.length;
  const hint = table.rowsHint;
  const features = float64s(hint * d);
  const labels = new CategoryCodes(hint), groups = new CategoryCodes(hint), attributes = new CategoryCodes(hint);
  const lines = int32s(hint);
  // Features as numbers straight from the reader where it can (CSV), the role columns as text, the rest not at all.
  const uses: CellUse[] = table.columns.map(() => 'skip');
  for (const j of order) uses[j] = 'number';
  for (const j of [label, group, attribute, id]) if (j >= 0) uses[j] = 'text';
  table.useCells?.(uses);
  // Row by row, in file order, so that the error reported is the first one in the file.
  const category = (cells: Cell[], line: number, j: number) => parseCategory(cells[j], { file, row: line, column: table.columns[j] });
  for await (const { line, cells } of allRows(table)) {
    labels.add(category(cells, line, label));
    if (group >= 0) groups.add(category(cells, line, group));
    if (attribute >= 0) attributes.add(category(cells, line, attribute));
    if (id >= 0) ids.push(String(cells[id] ?? ''));
    for (let k = 0; k < d; k++) {
      const value = readFeature(cells[order[k]]);
      if (typeof value === 'string') throw new DataValidationError({ file, row: line, column: table.columns[order[k]] }, value);
      features.push(value);
    }
    lines.push(line);
  }
  return {
    file,
    n: lines.length,
    featureNames: [...featureNames],
    features: features.toArray(),
    labels: labels.finish(),
    groups: group < 0 ? null : groups.finish(),
    attributes: attribute < 0 ? null : attributes.finish(),
    lines: lines.toArray(),
    ids: id < 0 ? null : ids,
  };
}
