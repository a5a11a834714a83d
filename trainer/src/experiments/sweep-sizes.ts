import { argmax, softmax } from '#shared';
import { flipProbability } from '../algorithms/xrm.js';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import { Mlp } from '../model/mlp.js';
import { forwardSplit } from '../train/forward.js';
import { initBackend, type BackendName } from '../backend.js';
import type { Dataset } from '../data/types.js';
import type { Progress } from '../pipeline/progress.js';
import { algorithmSweep, selectRun, xrmSweep, type SweepOptions } from '../pipeline/sweep.js';
import { selectXrm, XRM_SELECTIONS, type XrmSelection } from '../pipeline/xrm-selection.js';
import { withRunner, type Runner } from '../pool/runner.js';
import { profileFor } from '../train/profile.js';
import type { RunResult, SelectionMetric } from '../train/run.js';
import { loadAcceptanceDataset, trueMinority, type AcceptanceDataset } from './datasets.js';

/** MAT's selected result for one sweep size, XRM rule, model-selection metric and seed. */
export interface SweepSizeRow {
  dataset: string;
  rule: XrmSelection;
  sweep: number;
  seed: number;
  selection: SelectionMetric;
  /** The XRM combination the rule picked among 0 … sweep − 1. */
  xrmCombination: number;
  matCombination: number;
  valWorstGroup: number;
  testAverage: number;
  testWorstGroup: number;
}

/** One XRM combination, measured: its selection scores, how its inferred groups match the true ones, and MAT on top. */
export interface XrmDiagnosis {
  dataset: string;
  seed: number;
  combination: number;
  flipRate: number;
  valFlipRate: number;
  degenerate: boolean;
  /** Share of validation examples XRM marks as conflicting (e = 1). */
  valConflictShare: number;
  /** Validation: share of the true minority marked e = 1, and share of e = 1 that is true minority (analysis only). */
  valMinorityRecall: number | null;
  valConflictPrecision: number | null;
  /** Training set: in-sample twin's answer = final dynamic label; held-out twin's answer = final dynamic label; held-out = original label. */
  inSampleFitsFlipped: number;
  heldOutFitsFlipped: number;
  heldOutAccuracy: number;
  /** Validation, per twin then averaged: mean flip probability π (how confident the twins are), mean NLL of y. */
  valConfidence: number;
  valNll: number;
  /** MAT at combination 0 trained on this XRM run: checkpoint selected on true validation WGA. */
  matValWga: number | null;
  matTestWga: number | null;
}

export interface SweepSizesOptions {
  datasets: AcceptanceDataset[];
  seeds: number[];
  /** Sweep sizes compared, e.g. [1, 3, 10]: combinations 0 … N − 1 for XRM and for MAT. */
  sweeps: number[];
  backend: BackendName;
  limit?: number;
  workDir: string;
  workers?: number;
  progress: Progress;
  /** Called with everything so far after each (dataset, seed), so a long run can save what it has. */
  onSeed?: (partial: SweepSizesResult) => Promise<void>;
}

export interface SweepSizesResult { rows: SweepSizeRow[]; diagnoses: XrmDiagnosis[] }

function diagnose(data: Dataset, seed: number, combination: number, xrm: XrmResult, mat: RunResult): XrmDiagnosis {
  const e = xrm.crossMistakes.val;
  const minority = trueMinority(data.val.group, data.val.y);
  let flagged = 0, hits = 0, minorityN = 0;
  for (let i = 0; i < data.val.n; i++) {
    flagged += e[i];
    if (!minority) continue;
    minorityN += minority[i];
    hits += minority[i] & e[i];
  }
  const mat0 = mat.selected.va_wga;
  const K = data.numClasses, n = data.train.n;
  const answer = (z: Float32Array, i: number) => argmax(z.subarray(i * K, (i + 1) * K));
  let conf = 0, nll = 0;
  const twins = [new Mlp(xrm.twinA.arch, xrm.twinA), new Mlp(xrm.twinB.arch, xrm.twinB)];
  for (const z of forwardSplit(twins, data.val).logits) {
    for (let i = 0; i < data.val.n; i++) {
      const p = softmax(z.subarray(i * K, (i + 1) * K));
      conf += flipProbability(p);
      nll -= Math.log(Math.max(p[data.val.y[i]], 1e-12));
    }
  }
  for (const t of twins) t.dispose();
  let inFit = 0, hoFit = 0, hoAcc = 0;
  for (let i = 0; i < n; i++) {
    const ho = answer(xrm.heldOutLogits, i);
    inFit += answer(xrm.inSampleLogits, i) === xrm.flippedLabels[i] ? 1 : 0;
    hoFit += ho === xrm.flippedLabels[i] ? 1 : 0;
    hoAcc += ho === data.train.y[i] ? 1 : 0;
  }
  return {
    dataset: data.name, seed, combination,
    flipRate: xrm.flipRate, valFlipRate: xrm.valFlipRate, degenerate: xrm.degenerate,
    valConflictShare: flagged / data.val.n,
    valConfidence: conf / (2 * data.val.n), valNll: nll / (2 * data.val.n),
    inSampleFitsFlipped: inFit / n, heldOutFitsFlipped: hoFit / n, heldOutAccuracy: hoAcc / n,
    valMinorityRecall: minority && minorityN ? hits / minorityN : null,
    valConflictPrecision: minority && flagged ? hits / flagged : null,
    matValWga: mat0?.value ?? null,
    matTestWga: mat0?.point.te_wga ?? null,
  };
}

/**
 * One seed: XRM at every combination up to the largest sweep, then for each sweep size and XRM rule the rule's pick
 * among the first N runs, and MAT swept over the same N combinations on that pick. A MAT run is trained once per
 * (XRM run, MAT combination) and shared by every (size, rule) that needs it; MAT at combination 0 also runs on every
 * XRM run, for the diagnosis.
 */
async function sweepSeed(data: Dataset, profile: TrainingProfile, runner: Runner, seed: number, o: SweepSizesOptions): Promise<SweepSizesResult> {
  const base: SweepOptions = { data, profile, combinations: [], seed, progress: o.progress, runner };
  const largest = Math.max(...o.sweeps);
  const xrms = (await xrmSweep({ ...base, combinations: Array.from({ length: largest }, (_, c) => c) })).runs.map((r) => r.result);
  const matRuns = new Map<string, Promise<RunResult>>();
  const mat = (x: number, m: number) => {
    const key = `${x}:${m}`;
    if (!matRuns.has(key)) matRuns.set(key, algorithmSweep({ ...base, combinations: [m] }, 'mat', xrms[x]).then((r) => r[0]));
    return matRuns.get(key)!;
  };
  const picks = o.sweeps.flatMap((sweep) => XRM_SELECTIONS.map((rule) => ({ sweep, rule, x: selectXrm(xrms.slice(0, sweep), rule) })));
  const [diagnoses, swept] = await Promise.all([
    Promise.all(xrms.map(async (x, c) => diagnose(data, seed, c, x, await mat(c, 0)))),
    Promise.all(picks.map(async (p) => ({ ...p, runs: await Promise.all(Array.from({ length: p.sweep }, (_, m) => mat(p.x, m))) }))),
  ]);
  for (const d of diagnoses) {
    o.progress.log(`${data.name} seed ${seed} xrm c${d.combination}: flip ${d.flipRate.toFixed(4)} held-out ${d.valFlipRate.toFixed(4)}${d.degenerate ? ' degenerate' : ''}; `
      + `val e=1 ${d.valConflictShare.toFixed(3)} recall ${d.valMinorityRecall?.toFixed(3)} precision ${d.valConflictPrecision?.toFixed(3)}; `
      + `train fit in/ho ${d.inSampleFitsFlipped.toFixed(3)}/${d.heldOutFitsFlipped.toFixed(3)} ho acc ${d.heldOutAccuracy.toFixed(3)}; `
      + `val π ${d.valConfidence.toFixed(3)} nll ${d.valNll.toFixed(3)}; MAT c0 val/test WGA ${d.matValWga?.toFixed(3)} / ${d.matTestWga?.toFixed(3)}`);
  }
  const rows: SweepSizeRow[] = [];
  for (const p of swept) {
    for (const selection of ['va_wga', 'va_gi_wga'] as const) {
      const best = selectRun(p.runs, selection);
      if (!best) continue;
      rows.push({
        dataset: data.name, rule: p.rule, sweep: p.sweep, seed, selection, xrmCombination: p.x, matCombination: best.run.combination ?? 0,
        valWorstGroup: best.selected.value, testAverage: best.selected.point.te_avg, testWorstGroup: best.selected.point.te_wga ?? NaN,
      });
      o.progress.log(`${data.name} seed ${seed} sweep ${p.sweep} ${p.rule} (${selection}): xrm c${p.x}, MAT c${best.run.combination} test WGA ${rows.at(-1)!.testWorstGroup.toFixed(3)}`);
    }
  }
  return { rows, diagnoses };
}

/** Every dataset and seed of `o`; seeds run one after another (each keeps the pool busy), so a cut-short run keeps whole seeds. */
export async function runSweepSizes(o: SweepSizesOptions): Promise<SweepSizesResult> {
  const backend = await initBackend(o.backend);
  const result: SweepSizesResult = { rows: [], diagnoses: [] };
  for (const name of o.datasets) {
    const data = await loadAcceptanceDataset(name, { limit: o.limit, workDir: o.workDir });
    o.progress.log(`${data.name}: ${data.train.n} train / ${data.val.n} val / ${data.test.n} test`);
    const profile = profileFor(data);
    await withRunner({ data, progress: o.progress, workers: o.workers ?? 1, backend }, async (runner) => {
      for (const seed of o.seeds) {
        const one = await sweepSeed(data, profile, runner, seed, o);
        result.rows.push(...one.rows);
        result.diagnoses.push(...one.diagnoses);
        await o.onSeed?.(result);
      }
    });
  }
  return result;
}
