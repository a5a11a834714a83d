import { parseCategory, readFeature } from './cells.js';
import { DataValidationError } from './errors.js';
import type { Cell, RawTable } from './raw-table.js';

/** Which column plays which part; every other column is a feature. */
export interface ColumnRoles {
  labelColumn: string;
  groupColumn?: string;
  attributeColumn?: string;
}

/** A file's checked contents: raw (unstandardised) features and category values as text. */
export interface ExtractedTable {
  file: string;
  n: number;
  featureNames: string[];
  /** [n × d] row-major raw values. */
  features: Float64Array;
  labels: string[];
  groups: string[] | null;
  attributes: string[] | null;
  /** 1-based line of each row in `file`. */
  lines: Int32Array;
}

function columnIndex(table: RawTable, column: string, role: string): number {
  const j = table.columns.indexOf(column);
  if (j < 0) throw new DataValidationError({ file: table.file, column }, `${role} column not found (columns: ${table.columns.join(', ')})`);
  return j;
}

/**
 * Checks every cell of a table and splits it into features, labels and optional groups/attributes.
 * `featureNames`, when given (the training file's), must be exactly this file's remaining columns.
 */
export function extractTable(table: RawTable, roles: ColumnRoles, featureNames?: string[]): ExtractedTable {
  const { file, rows } = table;
  const label = columnIndex(table, roles.labelColumn, 'label');
  const group = roles.groupColumn === undefined ? -1 : columnIndex(table, roles.groupColumn, 'group');
  const attribute = roles.attributeColumn === undefined ? -1 : columnIndex(table, roles.attributeColumn, 'attribute');
  const featureColumns = table.columns.flatMap((name, j) => (j === label || j === group || j === attribute ? [] : [j]));
  const names = featureColumns.map((j) => table.columns[j]);
  if (names.length === 0) throw new DataValidationError({ file }, 'no feature columns (every column but label, group and attribute is a feature)');
  if (featureNames !== undefined) {
    const missing = featureNames.find((name) => !names.includes(name));
    if (missing !== undefined) throw new DataValidationError({ file, column: missing }, 'feature column of the training file is missing');
    const extra = names.find((name) => !featureNames.includes(name));
    if (extra !== undefined) throw new DataValidationError({ file, column: extra }, 'column is not in the training file');
  }
  const order = featureNames === undefined ? featureColumns : featureNames.map((name) => table.columns.indexOf(name));
  const d = order.length;
  const features = new Float64Array(rows.length * d);
  const labels: string[] = [], groups: string[] = [], attributes: string[] = [];
  const category = (cells: Cell[], j: number, row: number) => parseCategory(cells[j], { file, row, column: table.columns[j] });
  // Row by row, so that the error reported is the first one in the file.
  rows.forEach(({ line, cells }, i) => {
    labels.push(category(cells, label, line));
    if (group >= 0) groups.push(category(cells, group, line));
    if (attribute >= 0) attributes.push(category(cells, attribute, line));
    for (let k = 0; k < d; k++) {
      const value = readFeature(cells[order[k]]);
      if (typeof value === 'string') throw new DataValidationError({ file, row: line, column: table.columns[order[k]] }, value);
      features[i * d + k] = value;
    }
  });
  return {
    file,
    n: rows.length,
    featureNames: featureNames ?? names,
    features,
    labels,
    groups: group < 0 ? null : groups,
    attributes: attribute < 0 ? null : attributes,
    lines: Int32Array.from(rows, (r) => r.line),
  };
}
