import type { Manifest } from '#shared';
import { attributeGroupName, categoryIndex } from './categories.js';
import type { ColumnRoles } from './columns.js';
import { extractTable, type ExtractedTable } from './extract.js';
import { extractNpy } from './npy-table.js';
import { DataValidationError } from './errors.js';
import { npyRows, readNpyHeader } from './npy.js';
import { openTable, tableFormatOf, type RawRow, type TableStream } from './raw-table.js';
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

/** The column roles a user-table bundle recorded, or an error saying it has none. */
function bundleRoles(manifest: Manifest): { columns: NonNullable<Manifest['dataset']['columns']>; roles: ColumnRoles; featureNames: string[] } {
  const columns = manifest.dataset.columns;
  if (!columns || manifest.input.kind !== 'features') {
    throw new Error(`bundle ${manifest.model.id} was not trained on a user table (no dataset.columns in its manifest); pass --data`);
  }
  const roles: ColumnRoles = { labelColumn: columns.label, groupColumn: columns.group, attributeColumn: columns.attribute, idColumn: columns.id };
  return { columns, roles, featureNames: manifest.input.featureNames };
}

/** An extracted table (all of a file, or one batch of its rows) as the bundle sees it: labels and groups by its names. */
function bundleSplit(t: ExtractedTable, manifest: Manifest): BundleTable {
  const { columns, featureNames } = bundleRoles(manifest);
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

/** Whether a bundle's recorded columns give every row a group (a group column, or label × attribute). */
export function bundleHasGroups(manifest: Manifest): boolean {
  const columns = manifest.dataset.columns;
  return Boolean(columns && (columns.group !== undefined || columns.attribute !== undefined));
}

/**
 * Reads a labelled CSV / JSONL / Parquet file (or .npy features with `labelsFile`) with the column roles, features,
 * classes and groups a user-table bundle records in its manifest, so that a test file alone can be scored: labels are
 * matched to `classNames` by name (not re-indexed from what the file happens to hold), groups to `groupNames`.
 * x holds the raw rows (the caller applies the bundle's preprocessing, as the worker does).
 */
export async function readBundleTable(file: string, manifest: Manifest, labelsFile?: string): Promise<BundleTable> {
  const { roles, featureNames } = bundleRoles(manifest);
  const npy = /\.npy$/i.test(file);
  if (npy && !labelsFile) throw new Error(`${file}: a .npy file needs its labels table (--test-labels FILE)`);
  const t = npy ? await extractNpy(file, labelsFile!, roles, featureNames) : await extractTable(await openTable(file, tableFormatOf(file)), roles, featureNames);
  return bundleSplit(t, manifest);
}

/** The next `size` rows of a table as a table of their own (its reader left open), or null at the end. */
async function nextRows(table: TableStream, size: number): Promise<TableStream | null> {
  const rows = table.rows.splice(0, size);
  while (rows.length < size) {
    const next = await table.rest.next();
    if (next.done) break;
    rows.push(next.value);
  }
  if (rows.length === 0) return null;
  const none: AsyncIterator<RawRow> = { next: async () => ({ done: true, value: undefined }), return: async () => ({ done: true, value: undefined }) };
  return { file: table.file, columns: table.columns, rows, rest: none, rowsHint: rows.length, ...(table.useCells ? { useCells: table.useCells } : {}) };
}

/**
 * `readBundleTable` batch by batch: the same rows, checks and values, `size` rows at a time (the last may be short),
 * at most `limit` rows, so that a file of any length is scored in bounded memory. Each batch is extracted by the same
 * code as a whole file (`extractTable`), its lines and ids those of the file.
 */
export async function* readBundleBatches(file: string, manifest: Manifest, size: number, o: { labelsFile?: string; limit?: number } = {}): AsyncGenerator<BundleTable> {
  const { roles, featureNames } = bundleRoles(manifest);
  const npy = /\.npy$/i.test(file);
  if (npy && !o.labelsFile) throw new Error(`${file}: a .npy file needs its labels table (--test-labels FILE)`);
  const tableFile = npy ? o.labelsFile! : file;
  const table = await openTable(tableFile, tableFormatOf(tableFile));
  const features = npy ? npyBatches(file, featureNames, o.labelsFile!) : null;
  try {
    let left = o.limit ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      const rows = await nextRows(table, Math.min(size, left));
      if (rows === null) break;
      const t = await extractTable(rows, roles, npy ? [] : featureNames);
      left -= t.n;
      yield bundleSplit(features ? { ...t, file, featureNames, features: await features.take(t.n, table) } : t, manifest);
    }
    if (features && o.limit === undefined) await features.end(table);
  } finally {
    await table.rest.return?.();
    await features?.close();
  }
}

/** A .npy array's feature rows handed out `n` at a time beside its labels table (row i annotates row i), as `extractNpy` checks them. */
function npyBatches(file: string, featureNames: readonly string[], labelsFile: string) {
  let rows: AsyncGenerator<Float64Array> | null = null, n = 0, d = 0;
  const open = async () => {
    const header = await readNpyHeader(file);
    const columns = featureNames.map((name) => {
      const j = /^f(\d+)$/.exec(name) ? Number(name.slice(1)) : -1;
      if (j < 0 || j >= header.d) throw new DataValidationError({ file, column: name }, `feature column of the training file is missing (this array has ${header.d} columns, f0…f${header.d - 1})`);
      return j;
    });
    ({ n } = header);
    d = columns.length;
    return npyRows(file, columns);
  };
  /** The labels file's row count, for the message when the two disagree. */
  const labelRows = async (table: TableStream, seen: number) => {
    let total = seen + table.rows.length;
    while (!(await table.rest.next()).done) total++;
    return total;
  };
  let seen = 0;
  return {
    async take(count: number, table: TableStream): Promise<Float64Array> {
      rows ??= await open();
      const out = new Float64Array(count * d);
      for (let i = 0; i < count; i++) {
        const next = await rows.next();
        if (next.done) throw new DataValidationError({ file: labelsFile }, `has ${await labelRows(table, seen + count)} rows, but ${file} has ${n} (row i of the labels file annotates row i of the array)`);
        out.set(next.value, i * d);
      }
      seen += count;
      return out;
    },
    async end(table: TableStream): Promise<void> {
      rows ??= await open();
      if (seen !== n) throw new DataValidationError({ file: labelsFile }, `has ${await labelRows(table, seen)} rows, but ${file} has ${n} (row i of the labels file annotates row i of the array)`);
    },
    async close(): Promise<void> {
      await rows?.return(undefined);
    },
  };
}
