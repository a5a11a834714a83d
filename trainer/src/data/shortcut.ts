import { MAX_SHORTCUT_CATEGORIES, quantiles, type Intervention } from '#shared';
import { DataValidationError } from './errors.js';
import { estimateIntervention } from './estimated-intervention.js';
import { rawRow, type Dataset, type Split } from './types.js';

/** Levels of a numeric shortcut's class-conditional quantile tables (0, 0.02, …, 1). */
export const SHORTCUT_QUANTILE_LEVELS = Array.from({ length: 51 }, (_, i) => i / 50);

/** The declared intervention of a dataset and why the trainer chose that kind (printed, docs/method.md §7.3). */
export interface DerivedIntervention { spec: Intervention; why: string }

const fmt = (v: number) => String(Number(v.toPrecision(6)));

/** Distinct raw values of input j over the split, stopping once there are more than `cap`. */
function distinctValues(split: Split, j: number, cap: number): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < split.n && seen.size <= cap; i++) seen.add(rawRow(split, i)[j]);
  return [...seen].sort((a, b) => a - b);
}

/**
 * The intervention on input column `column` (index j) from the training split's raw values: two values → `binary`;
 * 3…16 integer values → `categorical` (one code column); anything else → `numeric` (mirrored class-conditional quantile).
 */
export function featureIntervention(train: Split, numClasses: number, column: string, j: number, file: string): DerivedIntervention {
  const values = distinctValues(train, j, MAX_SHORTCUT_CATEGORIES);
  if (values.length < 2) throw new DataValidationError({ file, column }, 'the shortcut column takes a single value in the training split: there is nothing to intervene on');
  if (values.length === 2) {
    const [a, b] = values;
    return {
      spec: { kind: 'binary', column, description: `swap ${column} (${fmt(a)} ↔ ${fmt(b)})`, index: j, values: [a, b] },
      why: `${column} is an input with two values in the training data (${fmt(a)}, ${fmt(b)}): binary, each swaps to the other`,
    };
  }
  if (values.length <= MAX_SHORTCUT_CATEGORIES && values.every(Number.isInteger)) {
    return {
      spec: {
        kind: 'categorical', column, description: `set ${column} to each other value`,
        categories: values.map(fmt), encoding: { type: 'code', index: j, codes: values },
      },
      why: `${column} is an input with ${values.length} integer values in the training data: categorical (one code column), each other category is a counterfactual`,
    };
  }
  const byClass = Array.from({ length: numClasses }, () => [] as number[]);
  for (let i = 0; i < train.n; i++) byClass[train.y[i]].push(rawRow(train, i)[j]);
  return {
    spec: {
      kind: 'numeric', column, description: `mirror ${column} to the opposite quantile`, index: j,
      levels: SHORTCUT_QUANTILE_LEVELS, quantiles: byClass.map((v) => quantiles(v, SHORTCUT_QUANTILE_LEVELS)),
    },
    why: `${column} is a numeric input (more than ${MAX_SHORTCUT_CATEGORIES} or non-integer values): the value at class-balanced quantile q becomes the one at 1 − q (class-conditional quantile tables from the training split)`,
  };
}

/** One-hot inputs `COL=<category>` of a shortcut `COL` that is not itself a column, in input order. */
export function oneHotGroup(featureNames: readonly string[], column: string): { indices: number[]; categories: string[] } | null {
  const prefix = `${column}=`;
  const indices = featureNames.flatMap((name, j) => (name.startsWith(prefix) ? [j] : []));
  return indices.length >= 2 ? { indices, categories: indices.map((j) => featureNames[j].slice(prefix.length)) } : null;
}

/** The intervention of a one-hot group: every other category of the group (its 0/1 inputs checked on training rows). */
export function oneHotIntervention(train: Split, column: string, group: { indices: number[]; categories: string[] }, file: string): DerivedIntervention {
  if (group.categories.length > MAX_SHORTCUT_CATEGORIES)
    throw new DataValidationError({ file, column }, `the one-hot shortcut has ${group.categories.length} categories; at most ${MAX_SHORTCUT_CATEGORIES} (each is a counterfactual row per input)`);
  for (let i = 0; i < train.n; i++) {
    const r = rawRow(train, i);
    const bad = group.indices.find((j) => r[j] !== 0 && r[j] !== 1);
    if (bad !== undefined) throw new DataValidationError({ file, column: `${column}=${group.categories[group.indices.indexOf(bad)]}` }, `a one-hot shortcut group must hold 0/1 values, found ${r[bad]}`);
  }
  return {
    spec: { kind: 'categorical', column, description: `set ${column} to each other category`, categories: group.categories, encoding: { type: 'one-hot', indices: group.indices } },
    why: `${column} is a one-hot group of ${group.categories.length} inputs (${group.indices.length} columns ${column}=…): categorical, each other category is a counterfactual`,
  };
}

/**
 * The intervention of a user table's `--shortcut-column`: applied to the input where the column is a feature (or a
 * one-hot group of features), estimated on validation where it is an annotation (the attribute column, two values).
 */
export function shortcutIntervention(data: Dataset, column: string, attributeValues: string[] | null, file: string): DerivedIntervention {
  const names = data.input.kind === 'features' ? data.input.featureNames : [];
  const j = names.indexOf(column);
  if (j >= 0) return featureIntervention(data.train, data.numClasses, column, j, file);
  const group = oneHotGroup(names, column);
  if (group) return oneHotIntervention(data.train, column, group, file);
  const attribute = data.val.meta.attribute;
  if (!attributeValues || !attribute) throw new DataValidationError({ file, column }, 'the shortcut column is neither a feature nor an annotation that was read');
  if (attributeValues.length !== 2)
    throw new DataValidationError({ file, column }, `an annotated shortcut (not an input) needs two values to estimate its intervention, found ${attributeValues.length} (${attributeValues.slice(0, 5).join(', ')})`);
  return {
    spec: estimateIntervention(data.val, attribute, data.numClasses, column, [attributeValues[0], attributeValues[1]]),
    why: `${column} is not an input (an annotation): its intervention is estimated in input space from the ${data.val.n} validation rows (a ridge least-squares predictor of ${column} and the class-balanced mean difference along its direction)`,
  };
}
