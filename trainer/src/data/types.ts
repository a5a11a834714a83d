import type { InputSpec, Intervention } from '#shared';
import type { FeatureChoice } from './columns.js';

/** One split held in memory: row-major features and per-example annotations. */
export interface Split {
  n: number;
  d: number;
  /** [n × d] row-major, already preprocessed (what the network sees). */
  x: Float32Array;
  /**
   * [n × d] raw rows as an API client would send them, when preprocessing changes them (standardised user data);
   * absent when x is already raw. The membership audit hashes these.
   */
  raw?: Float32Array;
  /** Observed (possibly noisy) labels: what every algorithm trains on. */
  y: Int32Array;
  /**
   * True group id per example (indices into Dataset.groupNames), used for evaluation, GroupDRO and
   * "validation groups available" selection; null when the data has no group annotation.
   */
  group: Int32Array | null;
  /** Extra per-example annotations kept for analysis (e.g. colour, environment, clean label). */
  meta: Record<string, Int32Array>;
}

export interface Dataset {
  /** Stable name, e.g. "colored-mnist", "synthetic", "csv:my-file". */
  name: string;
  numClasses: number;
  classNames: string[];
  /** Names of the true groups (empty when the data has none). */
  groupNames: string[];
  /** Describes `x` for the bundle: image layout or feature names, and the preprocessing the worker must apply. */
  input: InputSpec;
  train: Split;
  val: Split;
  test: Split;
  /**
   * The known true intervention on the spurious attribute (Colored MNIST: swap the colour channels; the planted CSV:
   * negate its shortcut feature): the validation protocol's ground truth only.
   */
  counterfactual?: Counterfactual;
  /**
   * The declared shortcut intervention (docs/method.md §7.3), as the bundle's manifest carries it: Colored MNIST's colour
   * swap, or the one derived for `--shortcut-column`; and why that kind (the trainer prints it).
   */
  intervention?: { spec: Intervention; why: string };
  /** User data: which columns became features and why the others did not (the trainer prints it). */
  featureChoice?: FeatureChoice;
  /** User data: the column roles (recorded in the manifest, so that a bundle can read a new file the same way). */
  columns?: { label: string; group?: string; attribute?: string; id?: string; shortcut?: string };
}

/** The shortcut swapped in one raw input, and what that means in words. */
export interface Counterfactual {
  intervention: string;
  apply: (x: Float32Array) => Float32Array;
}

/** Row i of a split as a view. */
export function row(split: Split, i: number): Float32Array {
  return split.x.subarray(i * split.d, (i + 1) * split.d);
}

/** Row i as a client would send it (before preprocessing). */
export function rawRow(split: Split, i: number): Float32Array {
  return (split.raw ?? split.x).subarray(i * split.d, (i + 1) * split.d);
}
