import { parseCategory, readFeature } from './cells.js';
import { columnIndex, type ColumnRoles } from './columns.js';
import { DataValidationError } from './errors.js';
import type { Cell, RawTable } from './raw-table.js';

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

/**
 * Checks every cell of a table and splits it into features (the columns `featureNames` names, in that order: the
 * training file's choice), labels and optional groups/attributes. Columns with no part are not read.
 */
export function extractTable(table: RawTable, roles: ColumnRoles, featureNames: readonly string[]): ExtractedTable {
  const { file, rows } = table;
  const label = columnIndex(table, roles.labelColumn, 'label');
  const group = roles.groupColumn === undefined ? -1 : columnIndex(table, roles.groupColumn, 'group');
  const attribute = roles.attributeColumn === undefined ? -1 : columnIndex(table, roles.attributeColumn, 'attribute');
  const missing = featureNames.find((name) => !table.columns.includes(name));
  if (missing !== undefined) throw new DataValidationError({ file, column: missing }, 'feature column of the training file is missing');
  const order = featureNames.map((name) => table.columns.indexOf(name));
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
    featureNames: [...featureNames],
    features,
    labels,
    groups: group < 0 ? null : groups,
    attributes: attribute < 0 ? null : attributes,
    lines: Int32Array.from(rows, (r) => r.line),
  };
}
