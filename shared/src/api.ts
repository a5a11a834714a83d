import { z } from 'zod';
import { GroupedAccuracy, Manifest } from './manifest.js';
import { MODEL_REF_PATTERN } from './model-ref.js';

/** Largest batch accepted by /v1/predict and /v1/evaluate. */
export const MAX_BATCH = 256;
/** Largest request body in bytes (413 above it). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/**
 * Longest input vector accepted before the model is known (its `input.dim` bounds rows exactly once it is): the
 * worker's first pass rejects longer rows before any element-wise validation.
 */
export const MAX_INPUT_DIM = 65_536;

// Strict objects throughout the request schemas: an unknown key (a typo such as `explian`) is a 400 naming it.
const Vector = z.array(z.number()).min(1).max(MAX_INPUT_DIM)
  .meta({ description: "Raw input vector of the model's input.dim finite values (image pixels in the manifest's range, channel-major; or features)." });
export const InputRow = z.union([Vector, z.strictObject({ features: Vector })]).meta({ id: 'InputRow' });
export type InputRow = z.infer<typeof InputRow>;

const ModelRef = z.string().regex(MODEL_REF_PATTERN, 'a model id, or id@version').optional()
  .meta({ description: 'Model id (its active version) or id@version (that published version exactly: 404 if it does not exist, 409 if it fails verification); the active model when omitted.', example: 'mat-cmnist@20261201T120000' });

export const PredictRequest = z.strictObject({
  model: ModelRef,
  inputs: z.array(InputRow).min(1).max(MAX_BATCH),
  explain: z.boolean().default(false).meta({ description: 'Include the nearest memorized training exemplars.' }),
}).meta({ id: 'PredictRequest' });
export type PredictRequest = z.infer<typeof PredictRequest>;

/** A vector `Vector` accepts: 1…MAX_INPUT_DIM finite numbers (zod 4's z.number() refuses ±Infinity, as here). */
function isVector(v: unknown): v is number[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_INPUT_DIM) return false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  }
  return true;
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hasOnlyKeys(o: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const key of Object.keys(o)) if (!allowed.includes(key)) return false;
  return true;
}

const isInputRow = (r: unknown): boolean => isVector(r) || (isPlainRecord(r) && hasOnlyKeys(r, ['features']) && isVector(r.features));

/**
 * `PredictRequest.safeParse` with a typed fast path: a body that certainly matches the schema (checked here in one
 * loop over the numbers, without zod building a result per number: ~50 µs per 392-value row) is returned as zod would
 * return it; any other body goes to zod, so every 400 names the same field with the same message.
 * tests/unit/request-fast-path.test.ts holds the two to the same answers.
 */
export function parsePredictRequest(body: unknown): ReturnType<typeof PredictRequest.safeParse> {
  if (isPlainRecord(body) && hasOnlyKeys(body, ['model', 'inputs', 'explain'])) {
    const { model, inputs, explain } = body;
    if ((model === undefined || (typeof model === 'string' && MODEL_REF_PATTERN.test(model)))
      && (explain === undefined || typeof explain === 'boolean')
      && Array.isArray(inputs) && inputs.length >= 1 && inputs.length <= MAX_BATCH && inputs.every(isInputRow)) {
      const data = { ...(model === undefined ? {} : { model }), inputs: inputs as InputRow[], explain: explain ?? false } as PredictRequest;
      return { success: true, data };
    }
  }
  return PredictRequest.safeParse(body);
}

export const NearestExemplar = z.object({ id: z.number().int(), label: z.number().int(), score: z.number(), similarity: z.number() })
  .meta({ id: 'NearestExemplar' });

export const MemorizationBlock = z.object({
  score: z.number().meta({ description: 'How much the answer rests on memorized individual training examples (0 none, 1 fully).' }),
  member: z.boolean().meta({ description: 'The input is (byte-for-byte) a training example; score is then its measured score.' }),
  estimator: z.enum(['measured', 'neighbours', 'label_and_neighbours']).meta({
    description: "How score was obtained: 'measured' (a training example: its in-minus-out p(y|x)), 'neighbours' (a new input: memorization of its nearest training exemplars of each label, weighted by p(label|x)), 'label_and_neighbours' (a new labelled input, /v1/evaluate: ½(1 − p(y|x)) + ½ same-label neighbours).",
  }),
  percentile: z.number().meta({ description: "Share of scores of the same estimator at or below score: the training set's measured scores for a member, validation inputs' estimates otherwise." }),
  twin_disagreement: z.number().meta({ description: '½‖a − b‖₁ between the two XRM twins trained on disjoint halves.' }),
  nearest: z.array(NearestExemplar).optional(),
}).meta({ id: 'MemorizationBlock' });

export const SpuriousBlock = z.object({
  shortcut_label: z.number().int(),
  shortcut_class_name: z.string(),
  shortcut_confidence: z.number(),
  conflict: z.boolean().meta({ description: 'The answer goes against the shortcut (XRM inferred minority).' }),
  reliance: z.number().meta({ description: 'How certain the shortcut alone is of the predicted label (0 uninformative/opposed, 1 certain).' }),
  percentile: z.number(),
  slice_accuracy: z.number().nullable().meta({ description: "This model's validation accuracy on inputs of the same slice." }),
  intervention: z.enum(['applied', 'estimated']).nullable().meta({
    description: "How counterfactual_change and flip were obtained: 'applied' (the bundle's declared intervention on the input's shortcut, run through this very model in the same call), 'estimated' (the shortcut is not an input: the intervention is estimated in input space from validation data, or the bundle predates declared interventions and answers with its probe); null where the bundle declares no shortcut.",
  }),
  counterfactual_change: z.number().nullable().meta({
    description: "Total-variation change (0..1) of this model's probabilities when the input's shortcut is intervened on (the largest over the other categories of a categorical shortcut); null where the bundle declares none.",
  }),
  flip: z.boolean().nullable().meta({
    description: "The predicted label changes under the intervention (for any of the other categories); null where the bundle declares none.",
  }),
  flip_probability: z.number().nullable().meta({
    description: 'Bundles written before declared interventions only (two classes): the probe\'s probability that the label flips; null otherwise.',
  }),
}).meta({ id: 'SpuriousBlock' });

export const Prediction = z.object({
  label: z.number().int(),
  class_name: z.string(),
  probabilities: z.array(z.number()),
  memorization: MemorizationBlock,
  spurious: SpuriousBlock,
}).meta({ id: 'Prediction' });
export type Prediction = z.infer<typeof Prediction>;

export const ModelRefOut = z.object({
  id: z.string(),
  version: z.string().meta({ description: 'The version that answered: its published name (`mat-edge publish`), or model.version of an unversioned bundle.' }),
}).meta({ id: 'ModelRef' });

export const PredictResponse = z.object({ model: ModelRefOut, predictions: z.array(Prediction) }).meta({ id: 'PredictResponse' });
export type PredictResponse = z.infer<typeof PredictResponse>;

export const Thresholds = z.strictObject({
  memorization_percentile: z.number().min(0).max(1).default(0.95),
  reliance: z.number().min(0).max(1).default(0.9),
  flip_probability: z.number().min(0).max(1).default(0.5),
}).meta({ id: 'Thresholds' });

/** Longest class or group name a request may send (names are matched exactly against the manifest's). */
export const MAX_NAME_LENGTH = 256;
/** A class or group given by its name in the manifest or by its index. */
const NameOrIndex = z.union([z.number().int().nonnegative(), z.string().min(1).max(MAX_NAME_LENGTH)]);
export type NameOrIndex = z.infer<typeof NameOrIndex>;

export const EvaluateRequest = z.strictObject({
  model: ModelRef,
  inputs: z.array(InputRow).min(1).max(MAX_BATCH),
  labels: z.array(NameOrIndex).min(1).max(MAX_BATCH)
    .meta({ description: "True labels: class names (the model's classNames) or indices into them, mixed freely." }),
  groups: z.array(NameOrIndex).max(MAX_BATCH).optional()
    .meta({ description: "True groups: group names (the model's groupNames) or indices into them; inferred from XRM when omitted." }),
  thresholds: Thresholds.default({ memorization_percentile: 0.95, reliance: 0.9, flip_probability: 0.5 }),
  offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0).meta({
    description: 'Index of this batch\'s first input in the whole input set (a client sending a large set in chunks): flagged[].index is offset + the position in this batch.',
  }),
}).superRefine((r, ctx) => {
  if (r.labels.length !== r.inputs.length) ctx.addIssue({ code: 'custom', path: ['labels'], message: `must have one label per input (${r.inputs.length})` });
  if (r.groups && r.groups.length !== r.inputs.length) ctx.addIssue({ code: 'custom', path: ['groups'], message: `must have one group per input (${r.inputs.length})` });
}).meta({ id: 'EvaluateRequest' });
export type EvaluateRequest = z.infer<typeof EvaluateRequest>;

const GroupCountsWire = z.object({
  n: z.array(z.number().int().nonnegative()).meta({ description: 'Inputs per group id.' }),
  correct: z.array(z.number().int().nonnegative()).meta({ description: 'Correct answers per group id.' }),
});

/** A score's distribution as fixed-bin counts (shared SCORE_BINS over [0, 1]) plus its exact sum, min and max. */
export const ScoreHistogram = z.object({
  n: z.number().int().nonnegative(),
  partials: z.array(z.number()).meta({
    description: 'The exact sum of the scores as non-overlapping floating-point partials (Shewchuk): merged partials give the correctly rounded sum whatever the order of the chunks.',
  }),
  min: z.number().nullable().meta({ description: 'Smallest score; null when n is 0.' }),
  max: z.number().nullable().meta({ description: 'Largest score; null when n is 0.' }),
  counts: z.array(z.number().int().nonnegative()).meta({ description: 'counts[b]: scores in [b, b + 1) / bins (the last bin holds 1).' }),
}).meta({ id: 'ScoreHistogram' });
export type ScoreHistogram = z.infer<typeof ScoreHistogram>;

/**
 * Sufficient statistics of an evaluation: the responses of disjoint batches add up field by field (shared
 * `mergeEvaluations`, then `summarizeEvaluation`) to exactly what one call over all their inputs says.
 */
export const EvaluationStats = z.object({
  n: z.number().int().nonnegative(),
  trueGroups: GroupCountsWire.nullable().meta({ description: "Per true group (the model's groupNames); null where the inputs came without groups." }),
  inferredGroups: GroupCountsWire.meta({ description: 'Per XRM-inferred group 2·y + e (class × cross-mistake bit).' }),
  labelConflicts: z.number().int().nonnegative().meta({ description: 'Inputs whose label goes against the shortcut (either held-out twin misses it).' }),
  predictionConflicts: z.number().int().nonnegative().meta({ description: 'Inputs whose prediction goes against the shortcut (spurious.conflict).' }),
  members: z.number().int().nonnegative().meta({ description: 'Inputs that are training examples (their memorization is measured).' }),
  scores: z.object({
    memorization: ScoreHistogram,
    reliance: ScoreHistogram,
    twin_disagreement: ScoreHistogram,
    counterfactual_change: ScoreHistogram.nullable().meta({ description: 'null where the bundle declares no shortcut intervention.' }),
  }),
}).meta({ id: 'EvaluationStats' });
export type EvaluationStats = z.infer<typeof EvaluationStats>;

const Distribution = z.object({ mean: z.number(), p50: z.number(), p95: z.number(), max: z.number() });

export const FlagReason = z.enum(['misclassified', 'high_memorization', 'shortcut_reliance', 'shortcut_flip', 'shortcut_conflict']).meta({
  id: 'FlagReason',
  description: 'Why an input is flagged. misclassified: the prediction misses the label. high_memorization: memorization '
    + 'percentile at or above thresholds.memorization_percentile. shortcut_reliance: the shortcut alone is at least '
    + 'thresholds.reliance certain of the predicted label. shortcut_flip: the answer flips under the declared shortcut intervention '
    + '(spurious.flip; for bundles answering with a probe, flip_probability at or above thresholds.flip_probability). shortcut_conflict: the label goes against the shortcut (either '
    + 'held-out XRM twin misses it), a bias-conflicting input the model can only get right by learning the real pattern.',
});

export const EvaluateResponse = z.object({
  model: ModelRefOut,
  n: z.number().int(),
  accuracy: z.number(),
  worst_group_accuracy: z.number(),
  group_source: z.enum(['true', 'inferred']),
  per_group: GroupedAccuracy.shape.perGroup,
  scores: z.object({
    memorization: Distribution.meta({
      description: 'Memorization of the labelled inputs: measured for training examples, ½(1 − p(y|x)) + ½ same-label neighbours otherwise.',
    }),
    reliance: Distribution,
    counterfactual_change: Distribution.nullable().meta({ description: 'Change under the declared shortcut intervention; null where the bundle declares none.' }),
    twin_disagreement: Distribution,
    conflict_rate: z.number().meta({
      description: 'Share of inputs whose label goes against the shortcut: either held-out XRM twin misses the given label '
        + "(XRM's cross-mistake rule). These bias-conflicting inputs can only be answered right by learning the real pattern.",
    }),
    prediction_conflict_rate: z.number().meta({
      description: 'Share of inputs whose predicted label goes against the shortcut, ignoring the labels '
        + '(the spurious.conflict of /v1/predict).',
    }),
  }),
  flagged: z.array(z.object({
    index: z.number().int(),
    label: z.number().int(),
    predicted: z.number().int(),
    reasons: z.array(FlagReason).min(1),
    memorization: z.number(),
    reliance: z.number(),
    counterfactual_change: z.number().nullable(),
    flip: z.boolean().nullable(),
    flip_probability: z.number().nullable(),
    conflict: z.boolean().meta({ description: 'The label goes against the shortcut (either held-out XRM twin misses it).' }),
  })),
  stats: EvaluationStats.meta({ description: "This batch's sufficient statistics, to merge with other batches' (shared mergeEvaluations)." }),
}).meta({ id: 'EvaluateResponse' });
export type EvaluateResponse = z.infer<typeof EvaluateResponse>;

export const ModelSummary = z.object({
  id: z.string(),
  version: z.string(),
  algorithm: z.string(),
  dataset: z.string(),
  createdAt: z.string(),
  active: z.boolean(),
  test: z.object({ average: z.number().nullable(), worstGroup: z.number().nullable() }),
}).meta({ id: 'ModelSummary' });
export const ModelsResponse = z.object({ models: z.array(ModelSummary) }).meta({ id: 'ModelsResponse' });
/** ok: the bundle storage holds is served; degraded: a newer version was refused and the last good one serves; unavailable: nothing valid. */
export const ServingStatus = z.enum(['ok', 'degraded', 'unavailable']).meta({ id: 'ServingStatus' });
export type ServingStatus = z.infer<typeof ServingStatus>;

/** Operator view of one model (behind a key): the served manifest and, when one was refused, why. */
export const ModelDetailResponse = z.object({
  /** The manifest being served (last known good); null while no version is valid. */
  manifest: Manifest.meta({ id: 'Manifest' }).nullable(),
  version: z.string().nullable().meta({ description: 'The version served: its published name, or model.version of an unversioned bundle; null while none is valid.' }),
  active: z.boolean(),
  status: ServingStatus,
  refused: z.object({
    version: z.string().nullable(),
    reason: z.string().meta({ description: 'Which check failed and why (file, digests, runtime message).' }),
    at: z.string().meta({ description: 'ISO time of the refusal.' }),
  }).nullable(),
}).meta({ id: 'ModelDetailResponse' });

/** Public: statuses and versions only; refusal reasons are on GET /v1/models/:id. */
export const HealthResponse = z.object({
  status: ServingStatus,
  models: z.array(z.object({
    id: z.string(),
    ok: z.boolean().meta({ description: 'A valid bundle of this model is served.' }),
    status: ServingStatus,
    /** model.version served, null when none. */
    version: z.string().nullable(),
    /** model.version of a newer bundle that was refused (null when its manifest was unreadable); absent when none. */
    refusedVersion: z.string().nullable().optional(),
  })),
}).meta({ id: 'HealthResponse' });

export const ErrorCode = z.enum([
  'invalid_request', 'unauthorized', 'forbidden', 'not_found', 'payload_too_large', 'rate_limited', 'bundle_unavailable', 'version_refused', 'internal',
]).meta({ id: 'ErrorCode' });
export const ErrorResponse = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
  }),
}).meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;
