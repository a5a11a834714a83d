import type { Manifest } from '#shared';
import type { ScoreRow } from '../../../client/src/batches.js';
import { attributeGroupName, categoryIndex } from './categories.js';
import { parseCategory, readFeature } from './cells.js';
import { DataValidationError } from './errors.js';
import { npyColumnNames, npyRows, readNpyHeader } from './npy.js';
import { allRows, openTable, tableFormatOf, type CellUse, type RawRow } from './raw-table.js';

/** Column roles of the file to score: the manifest's recorded `dataset.columns`, or flags. */
export interface ScoreColumns {
  label?: string;
  group?: string;
  attribute?: string;
  id?: string;
}

/** One row to send: its input, label and group (where the file has them) and its id (id column, else line). */
export interface ScoreFileRow extends ScoreRow {
  id: string;
}

export interface ScoreFile {
  rows: AsyncGenerator<ScoreFileRow>;
  /** Rows expected (exact for Parquet and .npy, estimated for CSV and JSONL), for the progress bar. */
  rowsHint: number;
}

/** Reads label, group and id from an annotation row (a table row, or a .npy array's companion row). */
function annotate(file: string, columns: readonly string[], roles: ScoreColumns, manifest: Manifest, labelled: boolean) {
  const index = (name: string | undefined) => {
    if (name === undefined) return -1;
    const j = columns.indexOf(name);
    if (j < 0) throw new DataValidationError({ file, column: name }, `column not found (columns: ${columns.slice(0, 12).join(', ')}${columns.length > 12 ? ', …' : ''})`);
    return j;
  };
  const [label, group, attribute] = labelled ? [index(roles.label), index(roles.group), index(roles.attribute)] : [-1, -1, -1];
  const id = index(roles.id);
  return (row: RawRow): Omit<ScoreFileRow, 'input'> => {
    const at = (column: string) => ({ file, row: row.line, column });
    const out: Omit<ScoreFileRow, 'input'> = { id: id >= 0 ? parseCategory(row.cells[id], at(roles.id!)) : String(row.line) };
    if (label < 0) return out;
    out.label = categoryIndex(manifest.classNames, parseCategory(row.cells[label], at(roles.label!)), at(roles.label!), 'class');
    if (group >= 0) out.group = categoryIndex(manifest.groupNames, parseCategory(row.cells[group], at(roles.group!)), at(roles.group!), 'group');
    else if (attribute >= 0) {
      const name = attributeGroupName(roles.label!, manifest.classNames[out.label], roles.attribute!, parseCategory(row.cells[attribute], at(roles.attribute!)));
      out.group = categoryIndex(manifest.groupNames, name, at(roles.attribute!), 'group (label × attribute)');
    }
    return out;
  };
}

/** Which columns of a file hold the input: the manifest's feature names, or (images) every column not given a role. */
function featureColumns(file: string, columns: readonly string[], roles: ScoreColumns, manifest: Manifest): number[] {
  if (manifest.input.kind === 'features') {
    return manifest.input.featureNames.map((name) => {
      const j = columns.indexOf(name);
      if (j < 0) throw new DataValidationError({ file, column: name }, `feature column of model ${manifest.model.id} is missing`);
      return j;
    });
  }
  const roleColumns = new Set([roles.label, roles.group, roles.attribute, roles.id]);
  const picked = columns.flatMap((c, j) => (roleColumns.has(c) ? [] : [j]));
  if (picked.length !== manifest.input.dim) {
    throw new DataValidationError({ file }, `has ${picked.length} input columns besides the label, group and id columns; model ${manifest.model.id} takes ${manifest.input.dim}`);
  }
  return picked;
}

/**
 * Opens a CSV / JSONL / Parquet file, or a .npy array (with its companion labels table), as a stream of rows to
 * score: one row read at a time, nothing else kept. Labels (and groups) are read only when `labelled` (/v1/evaluate);
 * the role columns are never taken for input columns either way.
 */
export async function openScoreFile(file: string, manifest: Manifest, roles: ScoreColumns, o: { labelled: boolean; labelsFile?: string }): Promise<ScoreFile> {
  if (o.labelled && roles.label === undefined) throw new Error(`scoring with labels needs a label column: model ${manifest.model.id} records none (dataset.columns); pass --label-column`);
  if (/\.npy$/i.test(file)) return openNpyScoreFile(file, manifest, roles, o.labelled, o.labelsFile);
  const table = await openTable(file, tableFormatOf(file));
  const pick = featureColumns(file, table.columns, roles, manifest);
  const annotation = annotate(file, table.columns, roles, manifest, o.labelled);
  const names = pick.map((j) => table.columns[j]);
  // Inputs as numbers straight from the reader where it can (CSV), role columns as text, the rest not at all.
  const uses: CellUse[] = table.columns.map((c) => ([roles.label, roles.group, roles.attribute, roles.id].includes(c) ? 'text' : 'skip'));
  for (const j of pick) uses[j] = 'number';
  table.useCells?.(uses);
  async function* rows(): AsyncGenerator<ScoreFileRow> {
    for await (const row of allRows(table)) {
      const input = pick.map((j, k) => {
        const v = readFeature(row.cells[j]);
        if (typeof v === 'string') throw new DataValidationError({ file, row: row.line, column: names[k] }, v);
        return v;
      });
      yield { input, ...annotation(row) };
    }
  }
  return { rows: rows(), rowsHint: table.rowsHint };
}

async function openNpyScoreFile(file: string, manifest: Manifest, roles: ScoreColumns, labelled: boolean, labelsFile?: string): Promise<ScoreFile> {
  const { n, d } = await readNpyHeader(file);
  const names = npyColumnNames(d);
  const pick = manifest.input.kind === 'features'
    ? manifest.input.featureNames.map((name) => {
      const j = names.indexOf(name);
      if (j < 0) throw new DataValidationError({ file, column: name }, `feature column of model ${manifest.model.id} is missing (this array has ${d} columns, f0…f${d - 1})`);
      return j;
    })
    : names.map((_, j) => j);
  if (pick.length !== manifest.input.dim) throw new DataValidationError({ file }, `has ${pick.length} columns; model ${manifest.model.id} takes ${manifest.input.dim}`);
  if (labelled && !labelsFile) throw new Error(`${file}: a .npy file is labelled by its companion table (--labels FILE)`);
  const table = labelsFile ? await openTable(labelsFile, tableFormatOf(labelsFile)) : null;
  const annotation = table ? annotate(labelsFile!, table.columns, roles, manifest, labelled) : null;
  async function* rows(): AsyncGenerator<ScoreFileRow> {
    const labels = table ? allRows(table) : null;
    let i = 0;
    for await (const values of npyRows(file, pick)) {
      i++;
      const input = Array.from(values);
      if (!labels) {
        yield { input, id: String(i) };
        continue;
      }
      const next = await labels.next();
      if (next.done) throw new DataValidationError({ file: labelsFile! }, `has ${i - 1} rows, but ${file} has ${n} (row i of the labels file annotates row i of the array)`);
      yield { input, ...annotation!(next.value) };
    }
    if (labels && !(await labels.next()).done) throw new DataValidationError({ file: labelsFile! }, `has more rows than ${file} (${n})`);
  }
  return { rows: rows(), rowsHint: n };
}
