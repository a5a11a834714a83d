import type { Manifest } from '#shared';
import { attributeGroupName, categoryIndex } from './categories.js';
import type { ColumnRoles } from './columns.js';
import { extractTable, type ExtractedTable } from './extract.js';
import { extractNpy } from './npy-table.js';
import { openTable, tableFormatOf } from './raw-table.js';
import type { Split } from './types.js';

/** One labelled file read the way a bundle was trained: its split, and each row's id (or null). */
export interface BundleTable {
  split: Split;
  ids: string[] | null;
}

/** Row i's category as an index into `names` (shared `categoryIndex`), or an error naming the first unknown one's row. */
function indexInto(names: readonly string[], values: (i: number) => string, t: ExtractedTable, column: string, what: string): Int32Array {
  return Int32Array.from({ length: t.n }, (_, i) => categoryIndex(names, values(i), { file: t.file, row: t.lines[i], column }, what));
}

/**
 * Reads a labelled CSV / JSONL / Parquet file (or .npy features with `labelsFile`) with the column roles, features,
 * classes and groups a user-table bundle records in its manifest, so that a test file alone can be scored: labels are
 * matched to `classNames` by name (not re-indexed from what the file happens to hold), groups to `groupNames`.
 * x holds the raw rows (the caller applies the bundle's preprocessing, as the worker does).
 */
export async function readBundleTable(file: string, manifest: Manifest, labelsFile?: string): Promise<BundleTable> {
  const columns = manifest.dataset.columns;
  if (!columns || manifest.input.kind !== 'features') {
    throw new Error(`bundle ${manifest.model.id} was not trained on a user table (no dataset.columns in its manifest); pass --data`);
  }
  const roles: ColumnRoles = { labelColumn: columns.label, groupColumn: columns.group, attributeColumn: columns.attribute, idColumn: columns.id };
  const { featureNames } = manifest.input;
  const npy = /\.npy$/i.test(file);
  if (npy && !labelsFile) throw new Error(`${file}: a .npy file needs its labels table (--test-labels FILE)`);
  const t = npy ? await extractNpy(file, labelsFile!, roles, featureNames) : await extractTable(await openTable(file, tableFormatOf(file)), roles, featureNames);
  const y = indexInto(manifest.classNames, (i) => t.labels.values[t.labels.codes[i]], t, columns.label, 'class');
  let group: Int32Array | null = null;
  if (t.groups && columns.group) {
    const g = t.groups;
    group = indexInto(manifest.groupNames, (i) => g.values[g.codes[i]], t, columns.group, 'group');
  } else if (t.attributes && columns.attribute) {
    const a = t.attributes;
    const name = (i: number) => attributeGroupName(columns.label, manifest.classNames[y[i]], columns.attribute!, a.values[a.codes[i]]);
    group = indexInto(manifest.groupNames, name, t, columns.attribute, 'group (label × attribute)');
  }
  const raw = new Float32Array(t.features); // a native conversion; .from iterates
  return {
    split: { n: t.n, d: featureNames.length, x: raw, y, group, meta: { line: t.lines } },
    ids: t.ids,
  };
}
