import { z } from 'zod';
import { BUNDLE_FILES, QUANTILE_LEVELS } from './layout.js';

/** Bundle format version; bump on any incompatible manifest or file change. */
export const BUNDLE_FORMAT_VERSION = 1 as const;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const probability = z.number().min(0).max(1);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');

/** How a raw request vector becomes the model input `x` (applied by `preprocess` in shared/src/preprocess.ts). */
export const Preprocessing = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('standardize'), mean: z.array(finite), std: z.array(z.number().positive()) }),
]);
export type Preprocessing = z.infer<typeof Preprocessing>;

export const InputSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('image'),
    /** Flattened length = channels × height × width, channel-major (index = c·H·W + r·W + col). */
    dim: z.number().int().positive(),
    channels: z.number().int().positive(),
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    channelNames: z.array(z.string()),
    /** Pixel values are expected in [0, 1] (raw byte / 255). */
    range: z.tuple([finite, finite]),
    preprocessing: Preprocessing,
  }),
  z.object({
    kind: z.literal('features'),
    dim: z.number().int().positive(),
    featureNames: z.array(z.string()),
    preprocessing: Preprocessing,
  }),
]);
export type InputSpec = z.infer<typeof InputSpec>;

export const GroupMetric = z.object({
  group: z.number().int().nonnegative(),
  name: z.string(),
  n: z.number().int().nonnegative(),
  accuracy: probability.nullable(),
});
export type GroupMetric = z.infer<typeof GroupMetric>;

export const GroupedAccuracy = z.object({
  average: probability,
  /** Minimum accuracy over non-empty groups. */
  worstGroup: probability,
  perGroup: z.array(GroupMetric),
});
export type GroupedAccuracy = z.infer<typeof GroupedAccuracy>;

export const SplitMetrics = z.object({
  n: z.number().int().nonnegative(),
  /** Groups from the data's own annotations (e.g. label × colour). */
  trueGroups: GroupedAccuracy.nullable(),
  /** Groups inferred by XRM cross-mistakes crossed with the class (2·y + e). */
  inferredGroups: GroupedAccuracy.nullable(),
});
export type SplitMetrics = z.infer<typeof SplitMetrics>;

export const Calibration = z.object({
  /** Temperature applied to the held-out (twin) logits. */
  tau: z.number().positive(),
  /** C[k][c] = p(y = c | y_ho = k); rows sum to 1 (a row of an unseen class is uniform). */
  matrix: z.array(z.array(probability)),
  classPriors: z.array(probability),
  epsilon: z.number().positive(),
});
export type Calibration = z.infer<typeof Calibration>;

export const SliceAccuracy = z.object({
  label: z.number().int().nonnegative(),
  conflict: z.boolean(),
  relianceBucket: z.number().int().nonnegative(),
  n: z.number().int().nonnegative(),
  accuracy: probability.nullable(),
});
export type SliceAccuracy = z.infer<typeof SliceAccuracy>;

const Quantiles = z.array(finite).length(QUANTILE_LEVELS.length);

/**
 * Two-class models trained on data that declares its shortcut intervention (Colored MNIST: swap the colour channels):
 * ridge weights over [1, s, e, s·e] predicting the served margin's change under the swap (shared/src/counterfactual.ts).
 */
export const CounterfactualProbe = z.object({
  /** The intervention, in words (what "swapping the shortcut" means for this dataset). */
  intervention: z.string().min(1),
  embeddingDim: z.number().int().positive(),
  /** Float32 little-endian, base64: 2 + 2·embeddingDim weights. */
  weights: z.string(),
  /** Root-mean-square error of the predicted margin change on the validation counterfactuals it was fitted on. */
  residualSigma: z.number().positive(),
  /** Validation inputs it was fitted on. */
  n: z.number().int().positive(),
});
export type CounterfactualProbe = z.infer<typeof CounterfactualProbe>;

/** Most categories a categorical shortcut may have: a batch of N inputs runs N·(1 + V) rows, V ≤ 15 alternatives. */
export const MAX_SHORTCUT_CATEGORIES = 16;
const inputIndex = z.number().int().nonnegative();
const shortcutCommon = {
  /** The column (or built-in attribute) named as the shortcut. */
  column: z.string().min(1),
  /** What the intervention does, in words, for the demo and the API docs. */
  description: z.string().min(1),
};

/**
 * The declared shortcut intervention, as data (docs/method.md §7): how one raw input row (before preprocessing) becomes
 * its counterfactual(s). Applied by `applyIntervention` (shared/src/intervention.ts) in the trainer, the worker and
 * validation alike; the served graph then runs on [x; x'] in one session.run.
 */
export const Intervention = z.discriminatedUnion('kind', [
  /** Image channels permuted (Colored MNIST: red ↔ green): channel c of x' is channel permutation[c] of x. */
  z.object({
    kind: z.literal('channel-permutation'), ...shortcutCommon,
    permutation: z.array(inputIndex).min(2),
    /** Values per channel (height × width). */
    plane: z.number().int().positive(),
  }),
  /** An input column with two values: each swaps to the other (a value is read as the nearer of the two). */
  z.object({ kind: z.literal('binary'), ...shortcutCommon, index: inputIndex, values: z.tuple([finite, finite]) }),
  /**
   * An input column with categories: every other category is an alternative (V = categories − 1 counterfactuals).
   * `code`: one input holds the category's code (codes[v]; a value is read as the nearest code). `one-hot`: one 0/1
   * input per category (indices[v]); the current category is the largest of them, an alternative sets its own to 1 and
   * the others to 0.
   */
  z.object({
    kind: z.literal('categorical'), ...shortcutCommon,
    categories: z.array(z.string()).min(2).max(MAX_SHORTCUT_CATEGORIES),
    encoding: z.discriminatedUnion('type', [
      z.object({ type: z.literal('code'), index: inputIndex, codes: z.array(finite) }),
      z.object({ type: z.literal('one-hot'), indices: z.array(inputIndex) }),
    ]),
  }),
  /**
   * A numeric input column: the mirrored class-conditional quantile. quantiles[y] holds the training values of class y
   * at `levels`; with F the class-balanced CDF (1/K)·Σ_y F_y, a value v at F(v) = q becomes F⁻¹(1 − q).
   */
  z.object({
    kind: z.literal('numeric'), ...shortcutCommon, index: inputIndex,
    levels: z.array(probability).min(2),
    quantiles: z.array(z.array(finite)).min(2),
  }),
  /**
   * An attribute that is not an input (an annotation of embeddings), estimated in input space on validation only:
   * â = clip(w·x + b, 0, 1) a least-squares predictor of the attribute (values[1] = 1), δ the class-balanced mean
   * difference of x between the two attribute values within a class; x' = x + (1 − 2â)·δ.
   */
  z.object({
    kind: z.literal('estimated'), ...shortcutCommon,
    values: z.tuple([z.string(), z.string()]),
    /** Float32 little-endian, base64: w (input.dim values), then δ (input.dim values). */
    weights: z.string(),
    direction: z.string(),
    bias: finite,
    /** Validation rows it was fitted on. */
    n: z.number().int().positive(),
  }),
]).superRefine((iv, ctx) => {
  if (iv.kind === 'categorical') {
    const n = iv.encoding.type === 'code' ? iv.encoding.codes.length : iv.encoding.indices.length;
    if (n !== iv.categories.length) ctx.addIssue({ code: 'custom', path: ['encoding'], message: `must give one entry per category (${iv.categories.length})` });
  }
  if (iv.kind === 'numeric' && iv.quantiles.some((q) => q.length !== iv.levels.length))
    ctx.addIssue({ code: 'custom', path: ['quantiles'], message: `each class must have one value per level (${iv.levels.length})` });
  if (iv.kind === 'channel-permutation' && [...iv.permutation].sort((a, b) => a - b).some((c, i) => c !== i))
    ctx.addIssue({ code: 'custom', path: ['permutation'], message: 'must be a permutation of 0..channels−1' });
});
export type Intervention = z.infer<typeof Intervention>;

/**
 * Score calibration measured on the validation split by the very functions the worker serves. Each memorization
 * estimator has its own quantiles, and a served percentile is read off those of the estimator that gave the score.
 */
export const ScoreCalibration = z.object({
  quantileLevels: z.array(probability).length(QUANTILE_LEVELS.length),
  quantiles: z.object({
    /** Neighbour estimate of memorization (a new, unlabelled input) on validation. */
    memorization: Quantiles,
    twinDisagreement: Quantiles,
    reliance: Quantiles,
    shortcutConfidence: Quantiles,
    /**
     * Memorization given the true label (what /v1/evaluate reports) on validation. Absent in bundles written before it
     * existed: those answer a labelled new input with the neighbour estimate, on the neighbour scale.
     */
    labelledMemorization: Quantiles.optional(),
    /**
     * Measured memorization (in-minus-out p(y|x), clipped) over the whole training set: the scale of a training
     * example's percentile. Absent in bundles written before it existed: those rank a member's measured score against
     * the neighbour estimate's quantiles (the old, mixed scale) until the bundle is rebuilt.
     */
    measuredMemorization: Quantiles.optional(),
    /** Counterfactual change on validation (where the bundle declares an intervention, or has a probe). */
    counterfactualChange: Quantiles.optional(),
  }),
  /** Upper edges of the reliance buckets used by slice accuracy (last edge is 1). */
  relianceBucketEdges: z.array(probability).min(1),
  sliceAccuracy: z.array(SliceAccuracy),
  /**
   * Nearest-exemplar estimator settings. `estimator`: how a new unlabelled input's memorization is estimated —
   * `expected_label` (expectedLabelNeighbours, shared/src/scores.ts; bundles written since 2026-12-01) or, where
   * absent, `nearest` (neighbourMemorization over all exemplars), so that an older bundle keeps the estimator its
   * `quantiles.memorization` were measured with.
   */
  neighbours: z.object({
    k: z.number().int().positive(),
    temperature: z.number().positive(),
    estimator: z.enum(['nearest', 'expected_label']).optional(),
  }),
  /**
   * Counterfactual probe of bundles written before `intervention` existed (two classes only); new bundles declare the
   * intervention instead and are answered by running it.
   */
  counterfactualProbe: CounterfactualProbe.nullish(),
});
export type ScoreCalibration = z.infer<typeof ScoreCalibration>;

export const FileEntry = z.object({
  path: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a plain file name'),
  bytes: z.number().int().nonnegative(),
  sha256: sha256Hex,
});
export type FileEntry = z.infer<typeof FileEntry>;

export const Architecture = z.object({
  family: z.literal('mlp'),
  inputDim: z.number().int().positive(),
  hidden: z.array(z.number().int().positive()),
  numClasses: z.number().int().min(2),
  bias: z.boolean(),
  activation: z.literal('relu'),
  /** Width of the `embedding` output: last hidden width, or inputDim for a linear model. */
  embeddingDim: z.number().int().positive(),
});
export type Architecture = z.infer<typeof Architecture>;

export const Hparams = z.record(z.string(), finite);
export type Hparams = z.infer<typeof Hparams>;

export const MemorizationSummary = z.object({
  /** Estimator of the measured (Feldman-style) score: models trained per example in / out. */
  estimator: z.object({
    kind: z.enum(['twins', 'random-halves']),
    models: z.number().int().positive(),
    fraction: probability,
  }),
  trainingExamples: z.number().int().nonnegative(),
  exemplars: z.number().int().nonnegative(),
  perGroup: z.array(z.object({ group: z.number().int(), name: z.string(), n: z.number().int(), mean: finite })),
});
export type MemorizationSummary = z.infer<typeof MemorizationSummary>;

/**
 * What the public demo may show of a bundle's data: its test samples (samples.json) and its exemplars (training rows
 * with their measured memorization). Set by the trainer's `--publish-samples` / `--no-publish-samples`.
 */
export const Publish = z.object({ samples: z.boolean(), exemplars: z.boolean() });
export type Publish = z.infer<typeof Publish>;

/** The built-in data (Colored MNIST, the synthetic task) are public; a user's own data is not published by default. */
export function defaultPublish(datasetName: string): Publish {
  const builtIn = /^(colored-|synthetic(:|$))/.test(datasetName);
  return { samples: builtIn, exemplars: builtIn };
}

/** A bundle's publication choice; bundles written before the field existed read as the default for their data. */
export const bundlePublish = (m: { publish?: Publish; dataset: { name: string } }): Publish => m.publish ?? defaultPublish(m.dataset.name);

export const Manifest = z.object({
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  model: z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes'),
    version: z.string().min(1),
    createdAt: z.iso.datetime(),
    description: z.string(),
  }),
  dataset: z.object({
    name: z.string(),
    /** sha256 of the training data (trainer/src/data/fingerprint.ts); absent in bundles written before it existed. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    /**
     * User tables: the column roles the model was trained with, so that `mat-edge evaluate BUNDLE --test FILE` reads a
     * new file the same way (features by `input.featureNames`, labels by `classNames`, groups by `groupNames`).
     */
    columns: z.object({
      label: z.string(),
      group: z.string().optional(),
      attribute: z.string().optional(),
      id: z.string().optional(),
      /** `--shortcut-column`: the declared shortcut (an input column, or an annotation the intervention is estimated from). */
      shortcut: z.string().optional(),
    }).optional(),
    numTrain: z.number().int().nonnegative(),
    numVal: z.number().int().nonnegative(),
    numTest: z.number().int().nonnegative(),
  }),
  input: InputSpec,
  classNames: z.array(z.string()).min(2),
  groupNames: z.array(z.string()),
  architecture: Architecture,
  training: z.object({
    algorithm: z.string(),
    hparams: Hparams,
    seed: z.number().int().nonnegative(),
    selectedStep: z.number().int().nonnegative(),
    selection: z.object({ metric: z.enum(['va_wga', 'va_gi_wga']), value: probability }),
    xrm: z.object({
      hparams: Hparams, seed: z.number().int().nonnegative(), flipRate: probability,
      /** Share of validation labels the final twins confidently contradict (absent in bundles written before it). */
      valFlipRate: probability.optional(),
      /** The rule that kept this XRM run among the combinations (docs/method.md §1.6); absent before it was recorded. */
      selection: z.enum(['held-out', 'paper']).optional(),
      degenerate: z.boolean(),
    }),
    backend: z.string(),
    wallSeconds: z.number().nonnegative(),
  }),
  metrics: z.object({ val: SplitMetrics, test: SplitMetrics }),
  calibration: Calibration,
  scores: ScoreCalibration,
  memorization: MemorizationSummary,
  /** The declared shortcut intervention; absent where the data declares none (and in bundles written before it existed). */
  intervention: Intervention.optional(),
  publish: Publish.optional(),
  files: z.array(FileEntry),
}).superRefine((m, ctx) => {
  const K = m.classNames.length;
  if (m.architecture.numClasses !== K) ctx.addIssue({ code: 'custom', path: ['architecture', 'numClasses'], message: `must equal classNames.length (${K})` });
  if (m.architecture.inputDim !== m.input.dim) ctx.addIssue({ code: 'custom', path: ['architecture', 'inputDim'], message: `must equal input.dim (${m.input.dim})` });
  if (m.calibration.matrix.length !== K || m.calibration.matrix.some((r) => r.length !== K))
    ctx.addIssue({ code: 'custom', path: ['calibration', 'matrix'], message: `must be ${K}×${K}` });
  if (m.calibration.classPriors.length !== K) ctx.addIssue({ code: 'custom', path: ['calibration', 'classPriors'], message: `must have ${K} entries` });
  const iv = m.intervention;
  if (iv) {
    const D = m.input.dim;
    const used = iv.kind === 'binary' || iv.kind === 'numeric' ? [iv.index]
      : iv.kind === 'categorical' ? (iv.encoding.type === 'code' ? [iv.encoding.index] : iv.encoding.indices) : [];
    if (used.some((j) => j >= D)) ctx.addIssue({ code: 'custom', path: ['intervention'], message: `refers to an input beyond input.dim (${D})` });
    if (iv.kind === 'numeric' && iv.quantiles.length !== K) ctx.addIssue({ code: 'custom', path: ['intervention', 'quantiles'], message: `must have ${K} classes` });
    if (iv.kind === 'channel-permutation' && (m.input.kind !== 'image' || iv.permutation.length !== m.input.channels || iv.plane * m.input.channels !== D))
      ctx.addIssue({ code: 'custom', path: ['intervention'], message: 'a channel permutation needs an image input with that many channels' });
  }
  for (const name of [BUNDLE_FILES.model, BUNDLE_FILES.memorization]) {
    if (!m.files.some((f) => f.path === name)) ctx.addIssue({ code: 'custom', path: ['files'], message: `must list ${name}` });
  }
});
export type Manifest = z.infer<typeof Manifest>;

/** Exemplar set for nearest-neighbour memorization estimates on new inputs (memorization.json). */
export const Exemplars = z.object({
  count: z.number().int().nonnegative(),
  embeddingDim: z.number().int().positive(),
  /** Training example index in the bundle's training split. */
  ids: z.array(z.number().int().nonnegative()),
  labels: z.array(z.number().int().nonnegative()),
  scores: z.array(finite),
  /** XRM inferred group of the example (2·y + e). */
  inferredGroups: z.array(z.number().int().nonnegative()),
  /** base64 of little-endian float32 [count × embeddingDim], L2-normalised rows. */
  embeddings: z.string(),
  /** base64 of uint8 [count × input.dim] (image inputs, value·255), for rendering; null for feature inputs. */
  inputs: z.string().nullable(),
});
export type Exemplars = z.infer<typeof Exemplars>;

export const MemorizationIndex = z.object({
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  /** contentHash(x) → measured memorization score of that training example. */
  members: z.record(z.string().regex(/^[0-9a-f]{32}$/), finite),
  /**
   * base64 of uint32 little-endian, ascending: the distinct `prefilterKey`s of every member's raw input
   * (`membershipPrefilter`), so that the worker hashes only inputs that may be members. Absent in older bundles.
   */
  prefilter: z.string().optional(),
  exemplars: Exemplars,
}).superRefine((m, ctx) => {
  const e = m.exemplars;
  for (const key of ['ids', 'labels', 'scores', 'inferredGroups'] as const) {
    if (e[key].length !== e.count) ctx.addIssue({ code: 'custom', path: ['exemplars', key], message: `must have count (${e.count}) entries` });
  }
});
export type MemorizationIndex = z.infer<typeof MemorizationIndex>;

/** Labelled test inputs for the demo (samples.json); optional in a bundle. */
export const Samples = z.object({
  formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
  items: z.array(z.object({
    id: z.number().int().nonnegative(),
    label: z.number().int().nonnegative(),
    group: z.number().int().nonnegative().nullable(),
    /** Raw input vector (same units as /v1/predict inputs). */
    input: z.array(finite),
  })),
});
export type Samples = z.infer<typeof Samples>;
