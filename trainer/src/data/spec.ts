import { z } from 'zod';
import { COLORED_MNIST_VARIANTS, type ColoredMnistVariant } from './colored-mnist.js';

const Seed = z.number().int().min(0).max(0xffff_fffd);
const Count = z.number().int().positive();
const Column = z.string().min(1);
/** First n examples of each split (fast tests and smoke runs); every data kind takes it. */
const Limit = z.strictObject({ train: Count.optional(), val: Count.optional(), test: Count.optional() }).optional();

export const ColoredMnistSpec = z.strictObject({
  kind: z.literal('colored-mnist'),
  variant: z.enum(Object.keys(COLORED_MNIST_VARIANTS) as [ColoredMnistVariant, ...ColoredMnistVariant[]]).default('default'),
  source: z.enum(['mnist', 'fashion-mnist']).default('mnist'),
  seed: Seed.default(0),
  limit: Limit,
});

export const SyntheticSpec = z.strictObject({
  kind: z.literal('synthetic'),
  noiseStd: z.number().min(0).max(1e6).default(0.5),
  /** Training split seed; validation and test use seed + 1 and seed + 2 (docs/method.md §4.1: 1234, 1235, 1236). */
  seed: Seed.default(1234),
  limit: Limit,
});

const Fraction = z.number().positive().max(1);
export const SplitFractions = z
  .strictObject({ train: Fraction, val: Fraction, test: Fraction })
  .refine((f) => Math.abs(f.train + f.val + f.test - 1) < 1e-9, 'train, val and test fractions must sum to 1');

const File = z.string().min(1);

/**
 * User data: one file split by a seeded stratified split, or separate files per split (a missing split is carved out
 * of train). `csv`, `jsonl` and `parquet` files hold features and labels; an `npy` file holds only the [n, d] features
 * (named f0…f{d−1}) and its companion table (`labels`, `valLabels`, `testLabels`: CSV, JSONL or Parquet, same row
 * count) the label, group, attribute and id columns.
 */
export const TableSpec = z
  .strictObject({
    kind: z.enum(['csv', 'jsonl', 'parquet', 'npy']),
    train: File,
    val: File.optional(),
    test: File.optional(),
    /** Companion tables of npy features, row i annotating row i. */
    labels: File.optional(),
    valLabels: File.optional(),
    testLabels: File.optional(),
    labelColumn: Column.default('label'),
    groupColumn: Column.optional(),
    /** A spurious attribute; without a group column the true group is label × attribute. */
    attributeColumn: Column.optional(),
    /** A row identifier: never a feature. */
    idColumn: Column.optional(),
    /**
     * The suspected shortcut (docs/method.md §7.3): a feature column (its intervention is applied to the input), a
     * one-hot group `COL=<category>`, or an annotation that is not an input (read as the attribute column when none is
     * given; its intervention is estimated on validation).
     */
    shortcutColumn: Column.optional(),
    /** Feature columns: names, ranges (`f0-f391`) or globs (`emb_*`); default: every numeric column without a role. */
    featureColumns: z.array(Column).min(1).optional(),
    /** Columns never used as features (same pattern forms). */
    ignoreColumns: z.array(Column).min(1).optional(),
    seed: Seed.default(0),
    fractions: SplitFractions.default({ train: 0.6, val: 0.2, test: 0.2 }),
    limit: Limit,
  })
  .refine(
    (s) => {
      const columns = [s.labelColumn, s.groupColumn, s.attributeColumn, s.idColumn].filter((c) => c !== undefined);
      return new Set(columns).size === columns.length;
    },
    'label, group, attribute and id columns must be different columns',
  )
  .refine(
    (s) => s.shortcutColumn === undefined || ![s.labelColumn, s.groupColumn, s.idColumn].includes(s.shortcutColumn),
    { message: 'the shortcut column cannot be the label, group or id column', path: ['shortcutColumn'] },
  )
  .superRefine((s, ctx) => {
    const companions = [['labels', 'train', '--labels'], ['valLabels', 'val', '--val-labels'], ['testLabels', 'test', '--test-labels']] as const;
    for (const [key, split, flag] of companions) {
      if (s.kind !== 'npy' && s[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${flag} is for npy features only (a ${s.kind} file holds its own labels)` });
      if (s.kind === 'npy' && s[split] !== undefined && s[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `npy features need their labels: ${flag} FILE (CSV, JSONL or Parquet with the same row count)` });
      }
    }
  });

/** Every data source the trainer can load; parse CLI or config input with it before anything is read. */
export const DataSpec = z.discriminatedUnion('kind', [ColoredMnistSpec, SyntheticSpec, TableSpec]);
export type DataSpec = z.infer<typeof DataSpec>;
export type DataSpecInput = z.input<typeof DataSpec>;
export type TableSpec = z.infer<typeof TableSpec>;
