import { basename } from 'node:path';
import type { InputSpec } from '#shared';
import { attributeGroupName, recode, sortedCategories } from './categories.js';
import { partitionRows, standardizedSplit, type EncodedRows } from './encoded-rows.js';
import { DataValidationError } from './errors.js';
import { chooseFeatures, type ColumnRoles, type FeatureChoice } from './columns.js';
import { extractTable, type ExtractedTable } from './extract.js';
import { findLabelProxy } from './label-proxy.js';
import { oneHotGroup, shortcutIntervention } from './shortcut.js';
import { chooseNpyFeatures, extractNpy } from './npy-table.js';
import { openTable, tableFormatOf, type TableFormat } from './raw-table.js';
import type { TableSpec } from './spec.js';
import { fitStandardization } from './standardize.js';
import { stratifiedSplit } from './stratified-split.js';
import type { Dataset } from './types.js';

const COMPANION = { train: 'labels', val: 'valLabels', test: 'testLabels' } as const;

/**
 * A `--shortcut-column` that is not an input (neither a feature nor a one-hot group) is an annotation: read as the
 * attribute column when none is given (groups = label × it), so that its intervention can be estimated on validation.
 */
function adoptShortcut(spec: TableSpec, roles: ColumnRoles, featureChoice: FeatureChoice): void {
  const col = spec.shortcutColumn;
  if (col === undefined || featureChoice.features.includes(col) || oneHotGroup(featureChoice.features, col)) return;
  if (roles.attributeColumn === undefined) roles.attributeColumn = col;
  else if (roles.attributeColumn !== col) {
    throw new DataValidationError({ file: spec.kind === 'npy' ? spec.labels! : spec.train, column: col },
      `the shortcut column is not a feature, and only the attribute column (${roles.attributeColumn}) can be an annotated shortcut: name it with --attribute-column, or make it a feature`);
  }
}

/** The training file's features (chosen on its first rows) and its rows, read as a stream. */
async function readTrain(spec: TableSpec, roles: ColumnRoles): Promise<{ featureChoice: FeatureChoice; table: ExtractedTable }> {
  if (spec.kind === 'npy') {
    const featureChoice = await chooseNpyFeatures(spec.train, roles);
    adoptShortcut(spec, roles, featureChoice);
    return { featureChoice, table: await extractNpy(spec.train, spec.labels!, roles, featureChoice.features) };
  }
  const stream = await openTable(spec.train, spec.kind);
  let featureChoice: FeatureChoice;
  try {
    featureChoice = chooseFeatures(stream, roles);
    adoptShortcut(spec, roles, featureChoice);
  } catch (err) {
    await stream.rest.return?.();
    throw err;
  }
  return { featureChoice, table: await extractTable(stream, roles, featureChoice.features) };
}

/** A validation or test file, read with the training file's features. */
async function readSplit(spec: TableSpec, name: 'val' | 'test', roles: ColumnRoles, featureNames: string[]): Promise<ExtractedTable> {
  const file = spec[name]!;
  if (spec.kind === 'npy') return extractNpy(file, spec[COMPANION[name]]!, roles, featureNames);
  return extractTable(await openTable(file, tableFormatOf(file, spec.kind as TableFormat)), roles, featureNames);
}

/**
 * Loads user data — CSV, JSONL, Parquet, or .npy features with a companion table — read as streams and checked cell
 * by cell (errors naming file, row and column), splits it when split files are missing, and standardises features
 * with training-split statistics.
 * @example await loadUserData(TableSpec.parse({ kind: 'csv', train: 'data.csv', attributeColumn: 'place' }))
 */
export async function loadUserData(spec: TableSpec): Promise<Dataset> {
  const roles: ColumnRoles = {
    labelColumn: spec.labelColumn, groupColumn: spec.groupColumn, attributeColumn: spec.attributeColumn,
    idColumn: spec.idColumn, featureColumns: spec.featureColumns, ignoreColumns: spec.ignoreColumns,
  };
  const { featureChoice, table: trainTable } = await readTrain(spec, roles);
  const given: Partial<Record<'val' | 'test', ExtractedTable>> = {};
  for (const name of ['val', 'test'] as const) {
    if (spec[name] !== undefined) given[name] = await readSplit(spec, name, roles, trainTable.featureNames);
  }
  const tables = [trainTable, given.val, given.test].filter((t) => t !== undefined);

  // Category indices over every file, so that ids agree across splits.
  const labelFile = spec.kind === 'npy' ? spec.labels! : spec.train;
  const classNames = sortedCategories(tables.flatMap((t) => t.labels.values));
  if (classNames.length < 2) {
    throw new DataValidationError({ file: labelFile, column: spec.labelColumn }, `needs at least 2 classes, found ${classNames.length} (${classNames.join(', ')})`);
  }
  const groupValues = spec.groupColumn === undefined ? null : sortedCategories(tables.flatMap((t) => t.groups!.values));
  const attributeColumn = roles.attributeColumn;
  const attributeValues = attributeColumn === undefined ? null : sortedCategories(tables.flatMap((t) => t.attributes!.values));
  const encode = (t: ExtractedTable): EncodedRows => {
    const y = recode(classNames, t.labels);
    const attribute = attributeValues && recode(attributeValues, t.attributes!);
    let group: Int32Array | null = null;
    if (groupValues) group = recode(groupValues, t.groups!);
    else if (attribute) group = Int32Array.from(y, (yi, i) => yi * attributeValues!.length + attribute[i]);
    // The features move out of the table, so that they are held once however the splits are cut below.
    const features = t.features;
    t.features = new Float64Array(0);
    return { n: t.n, d: t.featureNames.length, features, y, group, meta: { line: t.lines, ...(attribute ? { attribute } : {}) } };
  };

  const rows: Record<'train' | 'val' | 'test', EncodedRows | undefined> = {
    train: encode(trainTable), val: given.val && encode(given.val), test: given.test && encode(given.test),
  };
  // Columns chosen automatically are checked for a label leak; columns the user named are trusted (the override).
  if (featureChoice.how === 'numeric') {
    const { features, n, y } = rows.train!;
    const proxy = findLabelProxy(features, n, trainTable.featureNames, y, classNames.length);
    if (proxy) {
      throw new DataValidationError(
        { file: spec.train, column: proxy.column },
        `alone predicts the label (balanced accuracy ${proxy.accuracy.toFixed(3)} on the training file): a copy of the label or a leak? ` +
          'Declare it with --group-column / --attribute-column / --id-column, leave it out with --ignore-columns, or name the features with --feature-columns',
      );
    }
  }
  const carved = (['val', 'test'] as const).filter((name) => rows[name] === undefined);
  if (carved.length > 0) {
    const all = rows.train!;
    const parts = stratifiedSplit(all.group ?? all.y, [spec.fractions.train, ...carved.map((name) => spec.fractions[name])], spec.seed);
    const [train, ...others] = partitionRows(all, parts);
    rows.train = train;
    carved.forEach((name, k) => (rows[name] = others[k]));
  }
  for (const name of ['train', 'val', 'test'] as const) {
    if (rows[name]!.n === 0) throw new DataValidationError({ file: spec[name] ?? spec.train }, `the ${name} split is empty (too few rows for the split fractions)`);
  }
  const trainCounts = new Int32Array(classNames.length);
  rows.train!.y.forEach((c) => trainCounts[c]++);
  const absent = classNames.find((_, c) => trainCounts[c] === 0);
  if (absent !== undefined) throw new DataValidationError({ file: labelFile, column: spec.labelColumn }, `class "${absent}" has no example in the training split`);

  const standardization = fitStandardization(rows.train!.features, rows.train!.n, rows.train!.d);
  const input: InputSpec = { kind: 'features', dim: rows.train!.d, featureNames: trainTable.featureNames, preprocessing: standardization };
  const groupNames = groupValues
    ?? (attributeValues ? classNames.flatMap((cls) => attributeValues.map((a) => attributeGroupName(spec.labelColumn, cls, attributeColumn!, a))) : []);
  // One split at a time, each split's float64 rows let go once its float32 copies exist: peak ≈ one extra copy.
  const standardized = (name: 'train' | 'val' | 'test') => {
    const split = standardizedSplit(rows[name]!, standardization);
    rows[name] = undefined;
    return split;
  };
  const dataset: Dataset = {
    featureChoice,
    columns: {
      label: spec.labelColumn,
      ...(spec.groupColumn !== undefined ? { group: spec.groupColumn } : {}),
      ...(attributeColumn !== undefined ? { attribute: attributeColumn } : {}),
      ...(spec.idColumn !== undefined ? { id: spec.idColumn } : {}),
      ...(spec.shortcutColumn !== undefined ? { shortcut: spec.shortcutColumn } : {}),
    },
    name: `${spec.kind}:${basename(spec.train)}`,
    numClasses: classNames.length,
    classNames,
    groupNames,
    input,
    train: standardized('train'),
    val: standardized('val'),
    test: standardized('test'),
  };
  if (spec.shortcutColumn !== undefined) dataset.intervention = shortcutIntervention(dataset, spec.shortcutColumn, attributeValues, spec.train);
  return dataset;
}
