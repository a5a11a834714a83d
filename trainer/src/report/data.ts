import { z } from 'zod';
import { GroupMetric, Hparams, ScoreCalibration } from '#shared';

/**
 * Everything report.html shows, written beside it as report.json so that the numbers behind every
 * plot can be re-read without scraping SVG. Kept small: memorization is pre-binned, never per example.
 */

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const probability = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

export const SelectionMetric = z.enum(['va_wga', 'va_gi_wga']);
export type SelectionMetric = z.infer<typeof SelectionMetric>;

/** One logged checkpoint (docs/method.md §2.7); worst-group entries are null where the split has no such groups. */
export const CurvePoint = z.object({
  step: count,
  loss: finite.optional(),
  va_avg: probability,
  va_wga: probability.nullable(),
  va_gi_wga: probability.nullable(),
  te_avg: probability,
  te_wga: probability.nullable(),
});
export type CurvePoint = z.infer<typeof CurvePoint>;

/** The selected run of one algorithm (best combination, one seed). */
export const AlgorithmRun = z.object({
  /** Registry name, e.g. 'erm', 'xrm', 'mat', 'group-dro', 'jtt'; unique within a report. */
  algorithm: z.string().min(1),
  hparams: Hparams,
  seed: count,
  selectionMetric: SelectionMetric,
  selectedStep: count,
  curve: z.array(CurvePoint).min(1),
  /** Test accuracy per true group (per inferred group when the data has none). */
  testPerGroup: z.array(GroupMetric),
  testAverage: probability,
  testWorstGroup: probability,
});
export type AlgorithmRun = z.infer<typeof AlgorithmRun>;

/** One XRM hyper-parameter combination (seed 0): its flip-rate trace and the degenerate-run check (docs/method.md §1.5–1.6). */
export const XrmCombination = z.object({
  combination: count,
  hparams: Hparams,
  degenerate: z.boolean(),
  flipRate: z.array(z.object({ step: count, flipRate: probability })).min(1),
});
export type XrmCombination = z.infer<typeof XrmCombination>;

export const XrmSummary = z.object({
  combinations: z.array(XrmCombination).min(1),
  selectedCombination: count,
  /** counts[t][i] = examples of true group t put in inferred group i, on `split`; absent without true groups. */
  groupRecovery: z.object({ split: z.enum(['train', 'val']), counts: z.array(z.array(count)) }).optional(),
});
export type XrmSummary = z.infer<typeof XrmSummary>;

/** Histogram of per-example memorization scores of one group: counts over the shared bin edges. */
export const GroupHistogram = z.object({
  group: count,
  name: z.string(),
  n: count,
  /** Mean score of the group; null when the group is empty. */
  mean: finite.nullable(),
  counts: z.array(count),
});
export type GroupHistogram = z.infer<typeof GroupHistogram>;

export const MemorizationHistograms = z.object({
  /** Which names `perGroup` refers to: the data's true groups, or XRM's inferred ones when there are none. */
  groupSource: z.enum(['true', 'inferred']),
  /** Ascending bin edges, B + 1 of them; scores outside are counted in the end bins. */
  binEdges: z.array(finite).min(2),
  algorithms: z.array(z.object({ algorithm: z.string().min(1), perGroup: z.array(GroupHistogram).min(1) })).min(1),
});
export type MemorizationHistograms = z.infer<typeof MemorizationHistograms>;

/** One bin of a reliability diagram: mean predicted confidence vs observed accuracy of the examples in it. */
export const ReliabilityBin = z.object({
  lower: probability,
  upper: probability,
  confidence: probability,
  accuracy: probability,
  count: z.number().int().positive(),
});
export type ReliabilityBin = z.infer<typeof ReliabilityBin>;

/** One line of the score validation protocol (docs/validation.md). */
export const ValidationCheck = z.object({
  check: z.string(),
  model: z.string(),
  metric: z.string(),
  value: finite.nullable(),
  /** Human-readable target, e.g. "> 0.7" or "ERM > MAT". */
  target: z.string(),
  pass: z.boolean().nullable(),
});
export type ValidationCheck = z.infer<typeof ValidationCheck>;

export const ScoreSection = z.object({
  reliability: z.object({
    split: z.enum(['val', 'test']),
    /** One curve per model (usually per algorithm); empty bins are left out. */
    curves: z.array(z.object({ model: z.string().min(1), bins: z.array(ReliabilityBin).min(1) })).min(1),
  }).optional(),
  /** The served model's score calibration, exactly as in the manifest. */
  calibration: ScoreCalibration.optional(),
  validation: z.array(ValidationCheck).optional(),
});
export type ScoreSection = z.infer<typeof ScoreSection>;

export const ReportData = z.object({
  title: z.string().min(1),
  createdAt: z.iso.datetime(),
  dataset: z.object({ name: z.string(), numTrain: count, numVal: count, numTest: count }),
  classNames: z.array(z.string()).min(2),
  /** True groups from the data's annotations; empty when it has none. */
  groupNames: z.array(z.string()),
  inferredGroupNames: z.array(z.string()),
  backend: z.string(),
  wallSeconds: z.number().nonnegative(),
  /** Algorithm of the run the bundle serves; must name one of `runs`. */
  servedAlgorithm: z.string().min(1),
  runs: z.array(AlgorithmRun).min(1),
  xrm: XrmSummary.optional(),
  memorization: MemorizationHistograms,
  scores: ScoreSection.optional(),
}).superRefine((r, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const names = r.runs.map((run) => run.algorithm);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) issue(['runs', i, 'algorithm'], `duplicate algorithm "${name}"`);
  });
  if (!names.includes(r.servedAlgorithm)) issue(['servedAlgorithm'], `must be one of the runs (${names.join(', ')})`);
  r.runs.forEach((run, i) => {
    if (!run.curve.some((p) => p.step === run.selectedStep)) issue(['runs', i, 'selectedStep'], 'must be a logged step of curve');
  });
  if (r.xrm) {
    const ids = r.xrm.combinations.map((c) => c.combination);
    if (!ids.includes(r.xrm.selectedCombination)) issue(['xrm', 'selectedCombination'], 'must be one of combinations');
    const rec = r.xrm.groupRecovery;
    const [T, I] = [r.groupNames.length, r.inferredGroupNames.length];
    if (rec && (rec.counts.length !== T || rec.counts.some((row) => row.length !== I)))
      issue(['xrm', 'groupRecovery', 'counts'], `must be ${T}×${I} (true × inferred groups)`);
  }
  const m = r.memorization;
  const bins = m.binEdges.length - 1;
  if (m.binEdges.some((e, i) => i > 0 && e <= m.binEdges[i - 1])) issue(['memorization', 'binEdges'], 'must be strictly ascending');
  m.algorithms.forEach((a, i) => a.perGroup.forEach((g, j) => {
    const path = ['memorization', 'algorithms', i, 'perGroup', j];
    if (g.counts.length !== bins) issue([...path, 'counts'], `must have ${bins} bins`);
    if (g.counts.reduce((s, c) => s + c, 0) !== g.n) issue([...path, 'counts'], `must sum to n (${g.n})`);
    if ((g.mean === null) !== (g.n === 0)) issue([...path, 'mean'], 'must be null exactly when the group is empty');
  }));
});
export type ReportData = z.infer<typeof ReportData>;
