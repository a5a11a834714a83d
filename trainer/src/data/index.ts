import { z } from 'zod';
import { buildColoredMnist } from './colored-mnist.js';
import { headSplit } from './head.js';
import { ColoredMnistSpec, DataSpec, TableSpec, type DataSpecInput } from './spec.js';
import { buildSynthetic } from './synthetic.js';
import type { Dataset } from './types.js';
import { loadUserData } from './user-data.js';

export { COLORED_MNIST_VARIANTS, type ColoredMnistVariant } from './colored-mnist.js';
export { describeFeatureChoice, type FeatureChoice } from './columns.js';
export { DataValidationError } from './errors.js';
export { ColoredMnistSpec, DataSpec, SplitFractions, SyntheticSpec, TableSpec, type DataSpecInput } from './spec.js';
export { row, type Dataset, type Split } from './types.js';

/** Spec fields a CLI adds to the `--data` string from its own flags; undefined values are ignored. */
export type DataFlagOptions = Partial<Omit<z.input<typeof TableSpec>, 'kind' | 'train'>> & Pick<z.input<typeof ColoredMnistSpec>, 'limit'>;

const FLAG_FORMS = 'colored-mnist[:default|inverse|mcolor|v3], colored-fashion-mnist[:variant], synthetic[:noiseStd], csv:PATH, jsonl:PATH, parquet:PATH, npy:PATH (or a PATH ending in .csv, .jsonl, .parquet or .npy)';

const TABLE_KINDS: readonly string[] = TableSpec.def.shape.kind.options;

function parseSpec(input: unknown, what: string): DataSpec {
  const result = DataSpec.safeParse(input);
  if (!result.success) throw new Error(`invalid data spec ${what}:\n${z.prettifyError(result.error)}`);
  return result.data;
}

function flagFields(flag: string): Record<string, unknown> {
  const colon = flag.indexOf(':');
  const head = colon < 0 ? flag : flag.slice(0, colon);
  const rest = colon < 0 ? undefined : flag.slice(colon + 1);
  if (head === 'colored-mnist' || head === 'colored-fashion-mnist') {
    return { kind: 'colored-mnist', source: head === 'colored-mnist' ? 'mnist' : 'fashion-mnist', variant: rest };
  }
  if (head === 'synthetic') return { kind: 'synthetic', noiseStd: rest === undefined ? undefined : Number(rest) };
  if (TABLE_KINDS.includes(head) && rest) return { kind: head, train: rest };
  const extension = /\.(csv|jsonl|parquet|npy)$/i.exec(flag);
  if (extension) return { kind: extension[1].toLowerCase(), train: flag };
  throw new Error(`unknown data source "${flag}"; expected ${FLAG_FORMS}`);
}

/** True when a `--data` string names user data (CSV, JSONL, Parquet, npy), the only kind that takes column options. */
export function isTableFlag(flag: string): boolean {
  return TABLE_KINDS.includes(String(flagFields(flag).kind));
}

/**
 * Turns a `--data` string plus CLI options into a checked DataSpec.
 * @example parseDataFlag('colored-mnist:inverse', { seed: 1 }) // { kind: 'colored-mnist', variant: 'inverse', source: 'mnist', seed: 1 }
 * @example parseDataFlag('csv:data/train.csv', { labelColumn: 'y', attributeColumn: 'place' })
 */
export function parseDataFlag(flag: string, options: DataFlagOptions = {}): DataSpec {
  const fields = { ...flagFields(flag), ...options };
  const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return parseSpec(defined, `"${flag}"`);
}

/**
 * Loads a dataset; the spec and (for user data) every cell are checked before this resolves, so a bad input fails before training.
 * @example const ds = await loadDataset({ kind: 'synthetic', noiseStd: 0.5 }); ds.train.n // 1000
 */
export async function loadDataset(input: DataSpecInput): Promise<Dataset> {
  const spec = parseSpec(input, JSON.stringify(input));
  switch (spec.kind) {
    case 'colored-mnist':
      return buildColoredMnist(spec);
    case 'synthetic':
      return limited(buildSynthetic(spec), spec.limit);
    case 'csv':
    case 'jsonl':
    case 'parquet':
    case 'npy':
      return limited(await loadUserData(spec), spec.limit);
  }
}

/** The first `limit[split]` examples of each split (the Colored MNIST builder applies its own before colouring). */
function limited<T extends Dataset>(ds: T, limit: { train?: number; val?: number; test?: number } | undefined): T {
  if (!limit) return ds;
  const cut = (name: 'train' | 'val' | 'test') => (limit[name] === undefined ? ds[name] : headSplit(ds[name], limit[name]));
  return { ...ds, train: cut('train'), val: cut('val'), test: cut('test') };
}
