import type { Dataset } from '../data/types.js';
import { bundleNetworks } from '../pipeline/bundle-networks.js';
import { counterfactualSplit, splitOutputs } from '../pipeline/outputs.js';
import type { Progress } from '../pipeline/progress.js';
import type { Runner } from '../pool/runner.js';
import { reliabilityBins } from '../pipeline/report-data.js';
import type { ReliabilityBin } from '../report/data.js';
import { RandomState } from '../random.js';
import { bundleOutputs, findBundles, type LoadedBundle } from './bundles.js';
import { atLeast, greater, info, type ValidationCheck } from './check.js';
import { cleanLabelMask, labelFreeCells, minorityMask } from './groups.js';
import { cellMeanEstimate, crossFitted, leaveOnePairOut, measuredScores, MEMORIZATION_CANDIDATES, trainHalfModels, type MemorizationCandidate } from './memorization.js';
import { trainModels, VALIDATED, type TrainedModels, type ValidatedAlgorithm } from './models.js';
import { auroc, mean, spearman, take } from './stats.js';
import {
  declaredIntervention, estimatedIntervention, interventionOutputs, sliceReliability, spuriousPart, type ServedSplit, type SpuriousPart,
} from './spurious.js';

export const TARGETS = { auroc: 0.85, spearman: 0.6 } as const;

export interface ProtocolOptions {
  seed: number;
  sweep: number;
  steps?: number;
  /** Random-half pairs (≥ 2): each scores a share of the examples as if new while the others measure them (crossFitted). */
  pairs: number;
  epochs: number;
  /** Training examples in each of the selection and evaluation subsets of the memorization check. */
  memorizationSample: number;
  exemplars: number;
  /** Folder of written bundles: ERM and MAT bundles of the same dataset are also checked, through ONNX as served. */
  bundles?: string;
  /** Apply targets (Colored MNIST); other datasets report the same numbers without pass/miss. */
  targets: boolean;
  /** Apply the shortcut targets (served change vs the truth, ERM > MAT, the estimated path) also where `targets` is off (the planted CSV). */
  shortcutTargets?: boolean;
  progress: Progress;
  /** Where the protocol's training runs train (this thread or a worker pool over this dataset). */
  runner: Runner;
}

/** Evidence behind a choice: one metric of one candidate on the selection data and on the evaluation data. */
export interface Evidence { dataset: string; check: string; model: string; candidate: string; metric: string; selection: number; evaluation: number }

export interface DatasetValidation {
  dataset: string;
  checks: ValidationCheck[];
  evidence: Evidence[];
  reliability: { model: string; bins: ReliabilityBin[] }[];
}

function target(o: Pick<ProtocolOptions, 'targets'>, check: string, model: string, metric: string, value: number, min: number): ValidationCheck {
  return o.targets ? atLeast(check, model, metric, value, min) : info(check, model, metric, value);
}

/** "a > b" as a check where targets apply, else the difference a − b for information. */
function exceeds(o: Pick<ProtocolOptions, 'targets'>, check: string, model: string, metric: string, a: number, b: number): ValidationCheck {
  return o.targets ? greater(check, model, metric, a, b, 'ERM > MAT') : info(check, model, metric, a - b);
}

/** Share of `flagged` rows among those with `truth` set (recall), or of `truth` among flagged (precision with the arguments swapped). */
function shareOf(flagged: ArrayLike<number>, truth: ArrayLike<number>): number {
  let hit = 0, n = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i]) { n++; if (flagged[i]) hit++; }
  return n ? hit / n : NaN;
}

/** The served spurious scores a check can rank by (all computed by scoreRows, as the worker serves them). */
const RELIANCE_EVIDENCE = {
  reliance: (s: ServedSplit) => s.rows.reliance,
  'reliance×(1−slice_acc)': (s: ServedSplit) => s.rows.reliance.map((r, i) => r * (1 - (Number.isFinite(s.sliceAccuracy[i]) ? s.sliceAccuracy[i] : 0))),
  counterfactual_change: (s: ServedSplit) => s.rows.counterfactualChange,
  flip: (s: ServedSplit) => Float64Array.from(s.rows.flip),
} as const;

/** Reliance vs the counterfactual truth and conflict vs minority, for the served fields of one ERM/MAT pair. */
function spuriousChecks(data: Dataset, parts: Record<ValidatedAlgorithm, SpuriousPart>, suffix: string, o: ProtocolOptions): { checks: ValidationCheck[]; evidence: Evidence[] } {
  const checks: ValidationCheck[] = [];
  const evidence: Evidence[] = [];
  const name = data.name;
  // The served counterfactual answer (a declared intervention, or an old bundle's probe) against the known truth.
  const served = VALIDATED.every((a) => parts[a].test.rows.counterfactualChange.every(Number.isFinite));
  const so = { targets: o.targets || (o.shortcutTargets ?? false) };
  if (data.counterfactual) {
    // Headlines: counterfactual_change ranks by the true change and the true flips. Without a served change the XRM
    // formula `reliance` stands for it.
    const change = served ? 'counterfactual_change' : 'reliance';
    for (const a of VALIDATED) {
      const { val, test } = parts[a];
      for (const [c, f] of Object.entries(RELIANCE_EVIDENCE)) {
        const sv = f(val), st = f(test);
        if (!sv.every(Number.isFinite) || (c === 'flip' && !served)) continue;
        evidence.push({ dataset: name, check: 'reliance', model: `${a}${suffix}`, candidate: c, metric: 'spearman vs TV', selection: spearman(sv, val.truth!.tv), evaluation: spearman(st, test.truth!.tv) });
        evidence.push({ dataset: name, check: 'reliance', model: `${a}${suffix}`, candidate: c, metric: 'AUROC flip', selection: auroc(sv, val.truth!.flips), evaluation: auroc(st, test.truth!.flips) });
      }
      const t = test.truth!;
      checks.push(target(so, 'reliance vs counterfactual', `${a}${suffix}`, `Spearman(${change}, TV)`, spearman(RELIANCE_EVIDENCE[change](test), t.tv), TARGETS.spearman));
      // The flips are ranked by the served flip itself where there is one (the change ranks them only up to the
      // ceiling below: inputs near the boundary flip after small moves), else by reliance.
      const flip = served ? 'flip' : 'reliance';
      checks.push(target(so, 'reliance vs counterfactual', `${a}${suffix}`, `AUROC(${flip}, flips)`, auroc(RELIANCE_EVIDENCE[flip](test), t.flips), TARGETS.auroc));
      if (served) {
        checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'AUROC(counterfactual_change, flips)', auroc(test.rows.counterfactualChange, t.flips)));
        // flip flags the inputs whose answer the shortcut decides: its recall and precision for the true flips.
        checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'flip: share of true flips flagged (recall)', shareOf(test.rows.flip, t.flips)));
        checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'flip: share of flagged that truly flip (precision)', shareOf(t.flips, test.rows.flip)));
        checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'served flip rate', mean(test.rows.flip)));
      }
      checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'AUROC(true change, flips): ceiling of any change score', auroc(t.tv, t.flips)));
      checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'flip rate under the true counterfactual', mean(t.flips)));
      checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'mean true TV', mean(t.tv)));
      const est = parts[a].estimated;
      if (est) {
        checks.push(target(so, 'estimated intervention', `${a}${suffix}`, 'Spearman(estimated change, true change)', spearman(est.tv, t.tv), TARGETS.spearman));
        checks.push(target(so, 'estimated intervention', `${a}${suffix}`, 'AUROC(estimated change, true flips)', auroc(est.tv, t.flips), TARGETS.auroc));
        checks.push(info('estimated intervention', `${a}${suffix}`, 'AUROC(estimated flip, true flips)', auroc(est.flips, t.flips)));
        checks.push(info('estimated intervention', `${a}${suffix}`, 'mean estimated change', mean(est.tv)));
        checks.push(info('estimated intervention', `${a}${suffix}`, 'estimated flip rate', mean(est.flips)));
      }
    }
    const m = (a: ValidatedAlgorithm) => mean(RELIANCE_EVIDENCE[change](parts[a].test));
    checks.push(exceeds(so, 'reliance vs counterfactual', `erm−mat${suffix}`, `mean ${change}`, m('erm'), m('mat')));
  }

  // conflict vs true minority groups (test): /v1/evaluate knows the label, /v1/predict does not.
  const minority = minorityMask(data.test);
  if (minority) {
    for (const a of VALIDATED) {
      const s = parts[a].test;
      checks.push(target(o, 'conflict vs minority', `${a}${suffix}`, 'AUROC(conflict given the label, minority) [evaluate]', auroc(s.labelConflict, minority), TARGETS.auroc));
      checks.push(info('conflict vs minority', `${a}${suffix}`, 'AUROC(conflict of the prediction, minority) [predict]', auroc(s.rows.conflict, minority)));
    }
  }
  return { checks, evidence };
}

/** The ERM and MAT parts trained in memory, with the calibration trainPipeline would write (its intervention included). */
async function memoryParts(t: TrainedModels): Promise<Record<ValidatedAlgorithm, SpuriousPart>> {
  const { data } = t;
  const iv = declaredIntervention(data), est = estimatedIntervention(data);
  const part = async (a: ValidatedAlgorithm): Promise<SpuriousPart> => {
    const nets = bundleNetworks(t.models[a].weights, t.xrm);
    const run = (s: Parameters<typeof splitOutputs>[1]) => splitOutputs(nets, s);
    const val = run(data.val), test = run(data.test);
    const cf = data.counterfactual;
    return spuriousPart({
      data, calibration: t.calibration, val, test, scores: null, probe: null,
      cf: cf ? { val: run(counterfactualSplit(data, data.val, cf)), test: run(counterfactualSplit(data, data.test, cf)) } : null,
      intervention: iv ? { prepared: iv, val: await interventionOutputs(data, data.val, iv, run), test: await interventionOutputs(data, data.test, iv, run) } : null,
      estimated: est ? await interventionOutputs(data, data.test, est, run) : null,
    });
  };
  return { erm: await part('erm'), mat: await part('mat') };
}

/** Spurious parts of written ERM and MAT bundles, run through onnxruntime-web with their own calibration, slices and intervention (or probe). */
async function bundleParts(data: Dataset, root: string): Promise<Record<ValidatedAlgorithm, SpuriousPart> | null> {
  const found = await findBundles(root, data.name);
  if (!found.erm || !found.mat) return null;
  const cf = data.counterfactual, est = estimatedIntervention(data);
  const part = async (b: LoadedBundle): Promise<SpuriousPart> => {
    const { calibration, scores } = b.manifest;
    const iv = declaredIntervention(data, b.manifest.intervention);
    const run = (s: Parameters<typeof splitOutputs>[1]) => bundleOutputs(b, s);
    return spuriousPart({
      data, calibration, scores, probe: scores.counterfactualProbe ?? null,
      val: await run(data.val), test: await run(data.test),
      cf: cf ? { val: await run(counterfactualSplit(data, data.val, cf)), test: await run(counterfactualSplit(data, data.test, cf)) } : null,
      intervention: iv ? { prepared: iv, val: await interventionOutputs(data, data.val, iv, run), test: await interventionOutputs(data, data.test, iv, run) } : null,
      estimated: est ? await interventionOutputs(data, data.test, est, run) : null,
    });
  };
  return { erm: await part(found.erm), mat: await part(found.mat) };
}

/** Runs the whole protocol on one dataset (trains XRM, ERM, MAT and the random-half models in memory). */
export async function validateDataset(data: Dataset, o: ProtocolOptions): Promise<DatasetValidation> {
  const t = await trainModels(data, { seed: o.seed, sweep: o.sweep, steps: o.steps, progress: o.progress, runner: o.runner });
  const checks: ValidationCheck[] = [];
  const evidence: Evidence[] = [];
  const name = data.name;
  const parts = await memoryParts(t);
  const sp = spuriousChecks(data, parts, '', o);
  checks.push(...sp.checks);
  evidence.push(...sp.evidence);
  if (o.bundles) {
    const bundled = await bundleParts(data, o.bundles);
    if (bundled) {
      const bp = spuriousChecks(data, bundled, ' (bundle)', o);
      checks.push(...bp.checks);
      evidence.push(...bp.evidence);
    } else o.progress.log(`no ERM and MAT bundles for ${data.name} under ${o.bundles}; bundle checks skipped`);
  }

  const mem = await memorizationChecks(t, o);
  checks.push(...mem.checks);
  evidence.push(...mem.evidence);
  const reliability = [
    ...VALIDATED.map((a) => ({ model: `${a}: confidence`, bins: reliabilityBins(parts[a].test.outputs, data.test.y) })),
    ...VALIDATED.map((a) => ({ model: `${a}: slice_accuracy`, bins: sliceReliability(parts[a].test, data.test.y) })),
  ];
  return { dataset: name, checks: checks.map((c) => ({ ...c, check: `${name}: ${c.check}` })), evidence, reliability };
}

/** The headline memorization estimate: what /v1/evaluate serves for a labelled input that is not a training example. */
const MEMORIZATION_HEADLINE: MemorizationCandidate = 'label_and_neighbours';

/**
 * Memorization on new inputs: training examples scored as if new (cross-fitted over the random-half pairs, see
 * crossFitted) against their measured Feldman score; selection and evaluation are disjoint random subsets.
 */
async function memorizationChecks(t: TrainedModels, o: ProtocolOptions): Promise<{ checks: ValidationCheck[]; evidence: Evidence[] }> {
  const { data } = t;
  const checks: ValidationCheck[] = [];
  const evidence: Evidence[] = [];
  const trainMinority = minorityMask(data.train);
  const clean = cleanLabelMask(data.train);
  const order = new RandomState(o.seed + 31).permutation(data.train.n);
  const half = Math.min(o.memorizationSample, Math.floor(data.train.n / 2));
  const subsets = { selection: order.subarray(0, half), evaluation: order.subarray(half, 2 * half) };
  const res = {} as Record<ValidatedAlgorithm, Record<keyof typeof subsets, ReturnType<typeof crossFitted>> & { all: Float64Array }>;
  // ERM's and MAT's half models all at once (independent runs).
  const halves = await Promise.all(VALIDATED.map((a) => trainHalfModels({
    data, profile: t.profile, algorithm: a, hparams: t.models[a].hparams, xrm: a === 'mat' ? t.xrm : null,
    pairs: o.pairs, epochs: o.epochs, seed: o.seed, runner: o.runner,
  })));
  for (const [i, a] of VALIDATED.entries()) {
    const models = halves[i];
    const common = { labels: data.train.y, K: data.numClasses, exemplars: o.exemplars, seed: o.seed, heldOut: { logits: t.xrm.heldOutLogits, calibration: t.calibration } };
    const without = leaveOnePairOut(models);
    res[a] = {
      selection: crossFitted(models, without, { ...common, indices: subsets.selection }),
      evaluation: crossFitted(models, without, { ...common, indices: subsets.evaluation }),
      all: measuredScores(models),
    };
    checks.push(info('memorization (measured)', a, `mean Feldman score (${o.pairs} pairs, ${o.epochs} epochs)`, mean(res[a].all)));
    // Split-half reliability of a (P − 1)-pair measurement (Spearman–Brown from two disjoint halves of the pairs): with
    // the estimate's own reliability, a ceiling for any estimate's Spearman against it.
    const h = Math.floor((o.pairs - 1) / 2);
    if (h >= 1) {
      const r = spearman(measuredScores(models.slice(0, 2 * h)), measuredScores(models.slice(2 * h, 4 * h)));
      const k = (o.pairs - 1) / h;
      checks.push(info('memorization (measured)', a, `reliability of a ${o.pairs - 1}-pair measurement (split-half, Spearman–Brown)`, (k * r) / (1 + (k - 1) * r)));
    }
  }
  for (const c of MEMORIZATION_CANDIDATES) {
    for (const a of VALIDATED) {
      const r = res[a];
      evidence.push({ dataset: data.name, check: 'memorization as if new', model: a, candidate: c, metric: 'spearman vs measured', selection: spearman(r.selection.estimate[c], r.selection.measured), evaluation: spearman(r.evaluation.estimate[c], r.evaluation.measured) });
      if (trainMinority && a === 'erm')
        evidence.push({ dataset: data.name, check: 'memorization as if new', model: a, candidate: c, metric: 'AUROC minority', selection: auroc(r.selection.estimate[c], take(trainMinority, subsets.selection)), evaluation: auroc(r.evaluation.estimate[c], take(trainMinority, subsets.evaluation)) });
    }
  }
  const head = MEMORIZATION_HEADLINE;
  for (const a of VALIDATED) {
    const ev = res[a].evaluation;
    checks.push(target(o, 'memorization as if new', a, `Spearman(${head} [evaluate], measured)`, spearman(ev.estimate[head], ev.measured), TARGETS.spearman));
    checks.push(target(o, 'memorization as if new', a, 'Spearman(neighbours [predict], measured)', spearman(ev.estimate.neighbours, ev.measured), TARGETS.spearman));
  }
  const cells = labelFreeCells(data.train);
  if (cells) for (const a of VALIDATED) {
    const r = res[a], ceiling = cellMeanEstimate(cells, subsets.selection, r.selection.measured, subsets.evaluation);
    checks.push(info('memorization as if new', a, 'Spearman(mean per digit label × colour, measured): both read perfectly, no label', spearman(ceiling, r.evaluation.measured)));
  }
  if (trainMinority) {
    const evMin = take(trainMinority, subsets.evaluation);
    checks.push(target(o, 'memorization as if new', 'erm', `AUROC(${head}, minority)`, auroc(res.erm.evaluation.estimate[head], evMin), TARGETS.auroc));
    checks.push(info('memorization (measured)', 'erm', 'AUROC(measured, minority)', auroc(res.erm.evaluation.measured, evMin)));
    const estMean = (a: ValidatedAlgorithm) => mean(res[a].evaluation.estimate[head], evMin);
    checks.push(exceeds(o, 'memorization as if new', 'erm−mat', `mean minority ${head}`, estMean('erm'), estMean('mat')));
    const measMean = (a: ValidatedAlgorithm, mask: ArrayLike<number>) => mean(res[a].all, mask);
    checks.push(exceeds(o, 'memorization (measured)', 'erm−mat', 'mean minority Feldman score', measMean('erm', trainMinority), measMean('mat', trainMinority)));
    if (clean) {
      // Colored MNIST flips 25% of labels: a noisy-label example must be memorized by any model that fits it, MAT included.
      // The paper's claim is about the rest: minority examples whose label the digit explains.
      const cleanMinority = Uint8Array.from(trainMinority, (m, i) => (m && clean[i] ? 1 : 0));
      const noisy = Uint8Array.from(clean, (c) => 1 - c);
      checks.push(info('memorization (measured)', 'erm−mat', 'mean Feldman score, clean-label minority', measMean('erm', cleanMinority) - measMean('mat', cleanMinority)));
      checks.push(info('memorization (measured)', 'erm−mat', 'mean Feldman score, noisy-label examples', measMean('erm', noisy) - measMean('mat', noisy)));
      for (const a of VALIDATED) {
        checks.push(info('memorization (measured)', a, 'mean Feldman score, clean-label minority', measMean(a, cleanMinority)));
        checks.push(info('memorization (measured)', a, 'mean Feldman score, noisy-label examples', measMean(a, noisy)));
      }
    }
  }
  return { checks, evidence };
}
