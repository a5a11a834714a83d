import type { Dataset } from '../data/types.js';
import { bundleNetworks } from '../pipeline/bundle-networks.js';
import { bundleOutputs, findBundles, type LoadedBundle } from './bundles.js';
import { applyProbe, fitProbe } from './probe.js';
import { splitOutputs, type SplitOutputs } from '../pipeline/outputs.js';
import type { Progress } from '../pipeline/progress.js';
import { reliabilityBins } from '../pipeline/report-data.js';
import type { ReliabilityBin } from '../report/data.js';
import { RandomState } from '../random.js';
import { atLeast, greater, info, type ValidationCheck } from './check.js';
import { minorityMask } from './groups.js';
import { asIfNewScores, measuredScores, MEMORIZATION_CANDIDATES, trainHalfModels, type MemorizationCandidate } from './memorization.js';
import { trainModels, VALIDATED, type TrainedModels, type ValidatedAlgorithm } from './models.js';
import { counterfactualSplit } from './outputs.js';
import { auroc, mean, spearman, take } from './stats.js';
import { counterfactualEstimate, flipProbability, marginShiftTv, RELIANCE_CANDIDATES, shortcutSign, sliceReliability, spuriousRows, trueReliance, validationScoreCalibration, type RelianceCandidate, type SpuriousRows, type TrueReliance } from './spurious.js';

export const TARGETS = { auroc: 0.85, spearman: 0.6 } as const;

export interface ProtocolOptions {
  seed: number;
  sweep: number;
  steps?: number;
  /** Random-half pairs: pair 0 scores "as if new", pairs 1.. measure the Feldman score. */
  pairs: number;
  epochs: number;
  /** Training examples in each of the selection and evaluation subsets of the memorization check. */
  memorizationSample: number;
  exemplars: number;
  /** Folder of written bundles: ERM and MAT bundles of the same dataset are also checked, through ONNX as served. */
  bundles?: string;
  /** Apply targets (Colored MNIST); other datasets report the same numbers without pass/miss. */
  targets: boolean;
  progress: Progress;
}

/** Evidence behind a choice: one metric of one candidate on the selection data and on the evaluation data. */
export interface Evidence { dataset: string; check: string; model: string; candidate: string; metric: string; selection: number; evaluation: number }

export interface DatasetValidation {
  dataset: string;
  checks: ValidationCheck[];
  evidence: Evidence[];
  chosen: { reliance: RelianceCandidate | null; memorization: string };
  reliability: { model: string; bins: ReliabilityBin[] }[];
}

function target(o: ProtocolOptions, check: string, model: string, metric: string, value: number, min: number): ValidationCheck {
  return o.targets ? atLeast(check, model, metric, value, min) : info(check, model, metric, value);
}

interface SpuriousPart { val: SpuriousRows; test: SpuriousRows; valTruth: TrueReliance | null; testTruth: TrueReliance | null; valOut: SplitOutputs; testOut: SplitOutputs }

function spuriousPart(t: TrainedModels, a: ValidatedAlgorithm): SpuriousPart {
  const { data } = t;
  const nets = bundleNetworks(t.models[a].weights, t.xrm);
  const val = splitOutputs(nets, data.val), test = splitOutputs(nets, data.test);
  const scoreCal = validationScoreCalibration(val, data.val.y, data.numClasses, t.calibration);
  const cf = data.counterfactual;
  return {
    val: spuriousRows(val, t.calibration, scoreCal),
    test: spuriousRows(test, t.calibration, scoreCal),
    valTruth: cf ? trueReliance(val, splitOutputs(nets, counterfactualSplit(data, data.val, cf))) : null,
    testTruth: cf ? trueReliance(test, splitOutputs(nets, counterfactualSplit(data, data.test, cf))) : null,
    valOut: val,
    testOut: test,
  };
}

/** Log-spaced grid search (both signs: a MAT model can lean against the shortcut) of the shortcut gain on validation counterfactuals: maximises Spearman(estimate, TV) + AUROC(estimate, flips). */
export function fitGain(val: SpuriousRows, truth: TrueReliance): number {
  let best = 0, bestValue = -Infinity;
  const magnitudes = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16];
  for (const g of [...magnitudes, ...magnitudes.map((m) => -m)]) {
    const e = counterfactualEstimate(val, g);
    const au = auroc(e, truth.flips);
    const v = spearman(e, truth.tv) + (Number.isFinite(au) ? au : 0.5);
    if (v > bestValue) { bestValue = v; best = g; }
  }
  return best;
}

/** Reliance vs the counterfactual truth (headline chosen on validation counterfactuals only) and conflict vs minority. */
function spuriousChecks(data: Dataset, parts: Record<ValidatedAlgorithm, SpuriousPart>, suffix: string, o: ProtocolOptions): { checks: ValidationCheck[]; evidence: Evidence[]; chosen: RelianceCandidate | null } {
  const checks: ValidationCheck[] = [];
  const evidence: Evidence[] = [];
  const name = data.name;
  let chosenReliance: RelianceCandidate | null = null;
  const gains: Partial<Record<ValidatedAlgorithm, number>> = {};
  if (data.counterfactual) {
    for (const a of VALIDATED) {
      const p = parts[a];
      gains[a] = fitGain(p.val, p.valTruth!);
      p.val.candidates.counterfactual_fit = counterfactualEstimate(p.val, gains[a]!);
      p.test.candidates.counterfactual_fit = counterfactualEstimate(p.test, gains[a]!);
      checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'fitted shortcut gain (validation)', gains[a]!));
      if (data.numClasses === 2) {
        const probe = fitProbe(p.valOut.embedding, p.valOut.E, shortcutSign(p.val), p.valTruth!.marginDelta);
        const valDelta = applyProbe(probe, p.valOut.embedding, shortcutSign(p.val));
        const sigma = Math.sqrt(mean(valDelta.map((d, i) => (d - p.valTruth!.marginDelta[i]) ** 2)));
        p.val.candidates.counterfactual_probe = marginShiftTv(p.val, valDelta, sigma);
        const testDelta = applyProbe(probe, p.testOut.embedding, shortcutSign(p.test));
        p.test.candidates.counterfactual_probe = marginShiftTv(p.test, testDelta, sigma);
        p.val.candidates.probe_flip_probability = flipProbability(p.val, valDelta, sigma);
        p.test.candidates.probe_flip_probability = flipProbability(p.test, testDelta, sigma);
        // Equal-weight blend on the absolute scale (a per-model percentile blend was tried: MAT Spearman 0.53 / AUROC 0.875 on
        // the full bundles, and it erases the ERM-vs-MAT level difference, since each model is ranked against itself).
        for (const r of [p.val, p.test]) r.candidates['probe_tv+flip'] = r.candidates.counterfactual_probe.map((v, i) => 0.5 * (v + r.candidates.probe_flip_probability[i]));
        checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'probe residual σ of the margin change (validation)', sigma));
      } else {
        p.val.candidates.counterfactual_probe.fill(NaN);
        p.test.candidates.counterfactual_probe.fill(NaN);
        p.val.candidates.probe_flip_probability.fill(NaN);
        p.test.candidates.probe_flip_probability.fill(NaN);
        p.val.candidates['probe_tv+flip'].fill(NaN);
        p.test.candidates['probe_tv+flip'].fill(NaN);
      }
    }
    let best = -Infinity;
    for (const c of RELIANCE_CANDIDATES) {
      let sel = 0;
      for (const a of VALIDATED) {
        const p = parts[a];
        const sv = spearman(p.val.candidates[c], p.valTruth!.tv), av = auroc(p.val.candidates[c], p.valTruth!.flips);
        const st = spearman(p.test.candidates[c], p.testTruth!.tv), at = auroc(p.test.candidates[c], p.testTruth!.flips);
        evidence.push({ dataset: name, check: 'reliance', model: `${a}${suffix}`, candidate: c, metric: 'spearman vs TV', selection: sv, evaluation: st });
        evidence.push({ dataset: name, check: 'reliance', model: `${a}${suffix}`, candidate: c, metric: 'AUROC flip', selection: av, evaluation: at });
        sel += Math.min(sv - TARGETS.spearman, (Number.isFinite(av) ? av : 0.5) - TARGETS.auroc);
      }
      if (sel > best) { best = sel; chosenReliance = c; }
    }
    for (const a of VALIDATED) {
      const p = parts[a];
      const s = p.test.candidates[chosenReliance!];
      checks.push(target(o, 'reliance vs counterfactual', `${a}${suffix}`, `Spearman(${chosenReliance}, TV)`, spearman(s, p.testTruth!.tv), TARGETS.spearman));
      checks.push(target(o, 'reliance vs counterfactual', `${a}${suffix}`, `AUROC(${chosenReliance}, flips)`, auroc(s, p.testTruth!.flips), TARGETS.auroc));
      checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'flip rate under swap', mean(p.testTruth!.flips)));
      checks.push(info('reliance vs counterfactual', `${a}${suffix}`, 'mean true TV', mean(p.testTruth!.tv)));
    }
    const m = (a: ValidatedAlgorithm) => mean(parts[a].test.candidates[chosenReliance!]);
    checks.push(greater('reliance vs counterfactual', `erm−mat${suffix}`, `mean ${chosenReliance}`, m('erm'), m('mat'), 'ERM > MAT'));
  }

  // conflict vs true minority groups (test).
  const minority = minorityMask(data.test);
  if (minority) {
    for (const a of VALIDATED) {
      const r = parts[a].test;
      checks.push(target(o, 'conflict vs minority', `${a}${suffix}`, 'AUROC(conflict, minority)', auroc(r.conflict, minority), TARGETS.auroc));
      checks.push(info('conflict vs minority', `${a}${suffix}`, 'AUROC(1−q[ŷ], minority)', auroc(r.against, minority)));
      checks.push(info('conflict vs minority', `${a}${suffix}`, 'AUROC(1−p[shortcut_label], minority)', auroc(r.modelAgainst, minority)));
      checks.push(info('conflict vs minority', `${a}${suffix}`, 'AUROC(shortcut ≠ y, minority)', auroc(Uint8Array.from(r.shortcutLabel, (s, i) => (s !== data.test.y[i] ? 1 : 0)), minority)));
    }
  }

  return { checks, evidence, chosen: chosenReliance };
}

/** Spurious parts of written ERM and MAT bundles, run through onnxruntime-web with their own calibration and slice accuracies. */
async function bundleParts(data: Dataset, root: string): Promise<Record<ValidatedAlgorithm, SpuriousPart> | null> {
  const found = await findBundles(root, data.name);
  if (!found.erm || !found.mat) return null;
  const cf = data.counterfactual;
  const part = async (b: LoadedBundle): Promise<SpuriousPart> => {
    const val = await bundleOutputs(b, data.val), test = await bundleOutputs(b, data.test);
    const { calibration, scores } = b.manifest;
    return {
      val: spuriousRows(val, calibration, scores),
      test: spuriousRows(test, calibration, scores),
      valTruth: cf ? trueReliance(val, await bundleOutputs(b, counterfactualSplit(data, data.val, cf))) : null,
      testTruth: cf ? trueReliance(test, await bundleOutputs(b, counterfactualSplit(data, data.test, cf))) : null,
      valOut: val,
      testOut: test,
    };
  };
  return { erm: await part(found.erm), mat: await part(found.mat) };
}

/** Runs the whole protocol on one dataset (trains XRM, ERM, MAT and the random-half models in memory). */
export async function validateDataset(data: Dataset, o: ProtocolOptions): Promise<DatasetValidation> {
  const t = await trainModels(data, { seed: o.seed, sweep: o.sweep, steps: o.steps, progress: o.progress });
  const checks: ValidationCheck[] = [];
  const evidence: Evidence[] = [];
  const name = data.name;
  const parts = Object.fromEntries(VALIDATED.map((a) => [a, spuriousPart(t, a)])) as Record<ValidatedAlgorithm, SpuriousPart>;

  const sp = spuriousChecks(data, parts, '', o);
  checks.push(...sp.checks);
  evidence.push(...sp.evidence);
  const chosenReliance = sp.chosen;
  if (o.bundles) {
    const bundled = await bundleParts(data, o.bundles);
    if (bundled) {
      const bp = spuriousChecks(data, bundled, ' (bundle)', o);
      checks.push(...bp.checks);
      evidence.push(...bp.evidence);
    } else o.progress.log(`no ERM and MAT bundles for ${data.name} under ${o.bundles}; bundle checks skipped`);
  }

  // Memorization on new inputs.
  const trainMinority = minorityMask(data.train);
  const order = new RandomState(o.seed + 31).permutation(data.train.n);
  const half = Math.min(o.memorizationSample, Math.floor(data.train.n / 2));
  const selection = order.subarray(0, half), evaluation = order.subarray(half, 2 * half);
  // Pairs [0, E) score "as if new", pairs [E, P) measure; E = 1..⌊P/2⌋ are compared (more held-out models per example).
  const measureFrom = o.pairs > 1 ? Math.floor(o.pairs / 2) : 0;
  const estimatorCounts = Array.from({ length: Math.max(1, measureFrom) }, (_, e) => e + 1);
  type Scored = { sel: Record<MemorizationCandidate, Float64Array>; ev: Record<MemorizationCandidate, Float64Array> };
  const est = {} as Record<ValidatedAlgorithm, { byCount: Map<number, Scored>; measured: Float64Array }>;
  for (const a of VALIDATED) {
    const models = await trainHalfModels({
      data, profile: t.profile, algorithm: a, hparams: t.models[a].hparams, xrm: a === 'mat' ? t.xrm : null,
      pairs: o.pairs, epochs: o.epochs, seed: o.seed, progress: o.progress,
    });
    const measuring = models.slice(2 * measureFrom);
    const measured = measuredScores(measuring);
    const byCount = new Map<number, Scored>();
    for (const e of estimatorCounts) {
      const common = { estimators: models.slice(0, 2 * e), exemplarScores: measured, labels: data.train.y, K: data.numClasses, exemplars: o.exemplars, seed: o.seed };
      byCount.set(e, { sel: asIfNewScores({ ...common, indices: selection }), ev: asIfNewScores({ ...common, indices: evaluation }) });
    }
    est[a] = { byCount, measured };
    checks.push(info('memorization (measured)', a, `mean Feldman score (${measuring.length / 2} pairs, ${o.epochs} epochs)`, mean(measured)));
    if (measuring.length >= 4) {
      // Split-half reliability of the measurement itself (Spearman–Brown): a ceiling for any estimate's Spearman.
      const h = measuring.length / 2;
      const r = spearman(measuredScores(measuring.slice(0, 2 * Math.floor(h / 2))), measuredScores(measuring.slice(2 * Math.floor(h / 2))));
      checks.push(info('memorization (measured)', a, 'measurement reliability (split-half, Spearman–Brown)', (2 * r) / (1 + r)));
    }
    if (measureFrom === 0) checks.push(info('memorization (measured)', a, 'note: 1 pair, estimate shares models with measurement', NaN));
  }
  let chosenMem: MemorizationCandidate = MEMORIZATION_CANDIDATES[0];
  let chosenCount = 1;
  let bestMem = -Infinity;
  for (const count of estimatorCounts) for (const c of MEMORIZATION_CANDIDATES) {
    let sel = 0;
    const candidate = `${c} (${count} held-out model${count > 1 ? 's' : ''})`;
    for (const a of VALIDATED) {
      const e = est[a].byCount.get(count)!, measured = est[a].measured;
      const ss = spearman(e.sel[c], take(measured, selection)), se = spearman(e.ev[c], take(measured, evaluation));
      evidence.push({ dataset: name, check: 'memorization as if new', model: a, candidate, metric: 'spearman vs measured', selection: ss, evaluation: se });
      sel += ss;
      if (trainMinority && a === 'erm') {
        const as = auroc(e.sel[c], take(trainMinority, selection)), ae = auroc(e.ev[c], take(trainMinority, evaluation));
        evidence.push({ dataset: name, check: 'memorization as if new', model: a, candidate, metric: 'AUROC minority', selection: as, evaluation: ae });
        sel += as - TARGETS.auroc;
      }
    }
    if (sel > bestMem) { bestMem = sel; chosenMem = c; chosenCount = count; }
  }
  const evOf = (a: ValidatedAlgorithm) => est[a].byCount.get(chosenCount)!.ev[chosenMem];
  const label = `${chosenMem}×${chosenCount}`;
  for (const a of VALIDATED) {
    checks.push(target(o, 'memorization as if new', a, `Spearman(${label}, measured)`, spearman(evOf(a), take(est[a].measured, evaluation)), TARGETS.spearman));
  }
  if (trainMinority) {
    const evMin = take(trainMinority, evaluation);
    checks.push(target(o, 'memorization as if new', 'erm', `AUROC(${label}, minority)`, auroc(evOf('erm'), evMin), TARGETS.auroc));
    checks.push(info('memorization (measured)', 'erm', 'AUROC(measured, minority)', auroc(take(est.erm.measured, evaluation), evMin)));
    const minMean = (a: ValidatedAlgorithm) => mean(evOf(a), evMin);
    checks.push(greater('memorization as if new', 'erm−mat', `mean minority ${label}`, minMean('erm'), minMean('mat'), 'ERM > MAT'));
    const measMean = (a: ValidatedAlgorithm) => mean(est[a].measured, trainMinority);
    checks.push(greater('memorization (measured)', 'erm−mat', 'mean minority Feldman score', measMean('erm'), measMean('mat'), 'ERM > MAT'));
  }
  const reliability = [
    ...VALIDATED.map((a) => ({ model: `${a}: confidence`, bins: reliabilityBins(parts[a].testOut, data.test.y) })),
    ...VALIDATED.map((a) => ({ model: `${a}: slice_accuracy`, bins: sliceReliability(parts[a].test, data.test.y) })),
  ];
  return { dataset: name, checks: checks.map((c) => ({ ...c, check: `${name}: ${c.check}` })), evidence, chosen: { reliance: chosenReliance, memorization: `${chosenMem} (${chosenCount} held-out pair(s))` }, reliability };
}
