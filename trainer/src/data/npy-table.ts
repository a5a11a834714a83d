import { expandPatterns, type ColumnRoles, type FeatureChoice } from './columns.js';
import { DataValidationError } from './errors.js';
import { extractTable, type ExtractedTable } from './extract.js';
import { npyColumnNames, readNpy, readNpyHeader } from './npy.js';
import { openTable, tableFormatOf } from './raw-table.js';

/**
 * The features of a [n, d] .npy file: every column f0…f{d−1}, or those `--feature-columns` names, less
 * `--ignore-columns`. The label, group, attribute and id columns live in the companion table, never in the array.
 */
export async function chooseNpyFeatures(file: string, roles: ColumnRoles): Promise<FeatureChoice> {
  const { d } = await readNpyHeader(file);
  const table = { file, columns: npyColumnNames(d), rows: [] };
  const ignored = new Set(roles.ignoreColumns ? expandPatterns(table, roles.ignoreColumns, '--ignore-columns') : []);
  const named = roles.featureColumns ? expandPatterns(table, roles.featureColumns, '--feature-columns') : table.columns;
  const features = named.filter((c) => !ignored.has(c));
  if (features.length === 0) throw new DataValidationError({ file }, 'no feature columns: every column is ignored');
  return {
    features,
    how: roles.featureColumns ? 'explicit' : 'numeric',
    excluded: [...ignored].map((column) => ({ column, why: 'ignored (--ignore-columns)' })),
  };
}

/**
 * One split of npy features: the array's columns `featureNames` (the training file's choice) and, from the companion
 * table `labelsFile` (CSV, JSONL or Parquet, row i annotating row i), the labels, groups and attributes.
 */
export async function extractNpy(file: string, labelsFile: string, roles: ColumnRoles, featureNames: readonly string[]): Promise<ExtractedTable> {
  const { d } = await readNpyHeader(file);
  const columns = featureNames.map((name) => {
    const j = /^f(\d+)$/.exec(name) ? Number(name.slice(1)) : -1;
    if (j < 0 || j >= d) throw new DataValidationError({ file, column: name }, `feature column of the training file is missing (this array has ${d} columns, f0…f${d - 1})`);
    return j;
  });
  const annotations = await extractTable(await openTable(labelsFile, tableFormatOf(labelsFile)), roles, []);
  const { n, features } = await readNpy(file, columns);
  if (annotations.n !== n) {
    throw new DataValidationError({ file: labelsFile }, `has ${annotations.n} rows, but ${file} has ${n} (row i of the labels file annotates row i of the array)`);
  }
  return { ...annotations, file, featureNames: [...featureNames], features };
}
