import path from 'node:path';
import {
  BUNDLE_FORMAT_VERSION, defaultPublish, inferredGroupNames, type Manifest, type Samples,
} from '#shared';
import { ALGORITHMS, type AlgorithmName } from '../algorithms/registry.js';
import { calibrationMatrix, classPriors } from '../algorithms/mat-shift.js';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import { initBackend, type BackendName } from '../backend.js';
import { assertReplaceable } from '../bundle/replace-guard.js';
import { writeBundle } from '../bundle/write.js';
import { datasetFingerprint } from '../data/fingerprint.js';
import { rawRow, type Dataset } from '../data/types.js';
import { withRunner, type Runner } from '../pool/runner.js';
import { renderReport } from '../report/html.js';
import type { ReportData } from '../report/data.js';
import { profileFor } from '../train/profile.js';
import type { RunResult, SelectionMetric } from '../train/run.js';
import { assembleBundle } from './assemble.js';
import { measureMemorization, type MemorizationMeasure, type MemorizationOptions } from './memorization.js';
import type { Progress } from './progress.js';
import { memorizationHistograms, reliabilityBins, reportRun, xrmSummary } from './report-data.js';
import { algorithmSweep, selectRun, xrmSweep, type XrmSweep } from './sweep.js';
import type { XrmSelection } from './xrm-selection.js';

export interface TrainOptions {
  data: Dataset;
  /** Algorithms trained and compared (XRM always runs first). */
  algorithms: AlgorithmName[];
  /** Algorithms written as bundles (the first is the main one, e.g. ['mat', 'erm']). */
  bundles: AlgorithmName[];
  /** Hyper-parameter combinations 0..sweep−1 per algorithm (method.md §2.6). */
  sweep: number;
  /** Which XRM run of the sweep MAT and the bundles use (docs/method.md §1.6); default `held-out`. */
  xrmSelection?: XrmSelection;
  seed: number;
  backend: BackendName;
  selection: SelectionMetric | 'auto';
  /** Output folder; each bundle goes to <out>/<algorithm>-<tag>. */
  out: string;
  /** Bundle ids are <algorithm>-<tag> (the CLI's --name). */
  tag: string;
  /** Overwrite bundle folders that hold a model of other data (else refused before training). */
  replace?: boolean;
  memorization: { pairs: number; epochs: number };
  exemplars: number;
  /** Whether the public demo may show test samples and exemplar images; the data's default when omitted. */
  publishSamples?: boolean;
  steps?: number;
  /** Independent runs train on this many worker threads; 1 (the default here) trains them in this thread. */
  workers?: number;
  progress: Progress;
}

export interface TrainedBundle { algorithm: AlgorithmName; dir: string; manifest: Manifest }

export interface TrainSummary {
  backend: string;
  wallSeconds: number;
  /** Wall seconds per phase: XRM sweep, algorithm sweeps, memorization models, bundles (scores, ONNX, report, writing). */
  phases: { xrm: number; algorithms: number; memorization: number; bundles: number };
  workers: number;
  selection: SelectionMetric;
  xrm: { combination: number | null; flipRate: number; degenerate: boolean };
  results: { algorithm: AlgorithmName; metric: SelectionMetric; combination: number | null; step: number; valWorstGroup: number; testAverage: number; testWorstGroup: number | null; testInferredWorstGroup: number | null }[];
  bundles: TrainedBundle[];
}

/** Steps of each memorization model: `epochs` passes over its half (full-batch profiles keep their step budget). */
export function memorizationSteps(profile: TrainingProfile, n: number, run: RunResult, epochs: number): number {
  const batch = run.hparams.batch_size ?? n;
  return profile.fullBatch ? profile.steps : Math.max(1, Math.ceil((epochs * n) / 2 / batch));
}

/** How the memorization models of a bundled algorithm train: the chosen run's hyper-parameters, XRM's groups where the algorithm uses them. */
export function memorizationModelOptions(
  o: { data: Dataset; profile: TrainingProfile; seed: number; runner: Runner; epochs: number }, name: AlgorithmName, run: RunResult, xrm: XrmResult,
): Omit<MemorizationOptions, 'pairs'> {
  const steps = memorizationSteps(o.profile, o.data.train.n, run, o.epochs);
  return { data: o.data, profile: o.profile, algorithm: name, hparams: run.hparams, xrm: ALGORITHMS[name].needsXrm ? xrm : null, steps, seed: o.seed, runner: o.runner };
}

/** The selection metric `auto` resolves to: true validation groups when the data has them, XRM-inferred otherwise. */
export function selectionMetric(data: Dataset, selection: SelectionMetric | 'auto'): SelectionMetric {
  const metric: SelectionMetric = selection !== 'auto' ? selection : data.val.group ? 'va_wga' : 'va_gi_wga';
  if (metric === 'va_wga' && !data.val.group) throw new Error('--selection va_wga needs validation group labels; use va_gi_wga');
  return metric;
}

/** The algorithms that train: the compared and the bundled ones, less XRM (always first) and those needing group labels the data lacks. */
export function trainedAlgorithms(data: Dataset, algorithms: AlgorithmName[], bundles: AlgorithmName[], progress: Progress): AlgorithmName[] {
  return [...new Set([...algorithms, ...bundles])].filter((name) => {
    if (name === 'xrm') return false;
    if (ALGORITHMS[name].needsGroups && !data.train.group) {
      progress.log(`skipping ${name}: ${data.name} has no training group labels`);
      return false;
    }
    return true;
  });
}

/** Before any training: never spend the run and then replace a bundle of other data. */
export async function assertBundlesReplaceable(o: { data: Dataset; out: string; tag: string; bundles: AlgorithmName[]; replace?: boolean }, fingerprint: string): Promise<void> {
  for (const name of o.bundles) await assertReplaceable(path.join(o.out, `${name}-${o.tag}`), { name: o.data.name, fingerprint }, o.replace ?? false);
}

/** Model selection (docs/method.md §2.7): every algorithm's best run under both metrics for the table, `metric`'s run chosen for bundles. */
export function selectResults(runs: Map<AlgorithmName, RunResult[]>, metric: SelectionMetric): { results: TrainSummary['results']; chosen: Map<AlgorithmName, RunResult> } {
  const results: TrainSummary['results'] = [];
  const chosen = new Map<AlgorithmName, RunResult>();
  for (const [name, list] of runs) {
    for (const m of ['va_wga', 'va_gi_wga'] as const) {
      const best = selectRun(list, m);
      if (!best) continue;
      if (m === metric) chosen.set(name, best.run);
      results.push({ algorithm: name, metric: m, combination: best.run.combination, step: best.selected.step, valWorstGroup: best.selected.value, testAverage: best.selected.point.te_avg, testWorstGroup: best.selected.point.te_wga ?? null, testInferredWorstGroup: best.selected.point.te_gi_wga ?? null });
    }
  }
  return { results, chosen };
}

/** The chosen run of a bundled algorithm, or a clear error. */
export function chosenRun(chosen: Map<AlgorithmName, RunResult>, name: AlgorithmName): RunResult {
  const run = chosen.get(name);
  if (!run) throw new Error(`no ${name} run to bundle`);
  return run;
}

/** Labelled test inputs per true group for the demo; where the data knows the clean label, only cleanly labelled ones. */
function demoSamples(data: Dataset, perGroup = 6): Samples {
  const groups = data.test.group, clean = data.test.meta.clean;
  const taken = new Map<number, number>();
  const items: Samples['items'] = [];
  for (let i = 0; i < data.test.n && items.length < perGroup * Math.max(1, data.groupNames.length); i++) {
    const g = groups ? groups[i] : 0;
    if ((taken.get(g) ?? 0) >= perGroup || (clean && clean[i] !== data.test.y[i])) continue;
    taken.set(g, (taken.get(g) ?? 0) + 1);
    items.push({ id: i, label: data.test.y[i], group: groups ? g : null, input: Array.from(rawRow(data.test, i)) });
  }
  return { formatVersion: BUNDLE_FORMAT_VERSION, items };
}

export interface BundleStageOptions {
  data: Dataset;
  bundles: AlgorithmName[];
  out: string;
  tag: string;
  exemplars: number;
  seed: number;
  publishSamples?: boolean;
  /** What initBackend returned. */
  backend: string;
  fingerprint: string;
  metric: SelectionMetric;
  xrm: XrmSweep;
  /** The rule that kept `xrm.selected` (recorded in the manifest). */
  xrmSelection: XrmSelection;
  chosen: Map<AlgorithmName, RunResult>;
  /** One per bundle, in `bundles` order. */
  measures: MemorizationMeasure[];
  progress: Progress;
  /** performance.now() when the run started: the reports' and manifests' wall time counts from it. */
  t0: number;
}

/** What follows the training runs (train, and collect after a sweep): calibration, scores, ONNX, reports, bundles written atomically. */
export async function writeTrainedBundles(o: BundleStageOptions): Promise<TrainedBundle[]> {
  const { data, progress } = o;
  const tau = o.chosen.get('mat')?.hparams.tau ?? ALGORITHMS.mat.hparams.tau.default;
  const calibration = {
    tau,
    matrix: calibrationMatrix(o.xrm.selected.heldOutLogits, data.train.y, data.numClasses, tau),
    classPriors: classPriors(data.train.y, data.numClasses),
    epsilon: 1e-6,
  };
  const reportRuns = [...o.chosen.values()].map((r) => reportRun(data, r, o.metric, o.xrm.selected));
  const wallSeconds = () => (performance.now() - o.t0) / 1000;
  const bundles: TrainedBundle[] = [];
  const reliability: { model: string; bins: ReturnType<typeof reliabilityBins> }[] = [];
  const pending: { name: AlgorithmName; dir: string; contents: Parameters<typeof writeBundle>[1] }[] = [];
  const publish = o.publishSamples === undefined ? defaultPublish(data.name) : { samples: o.publishSamples, exemplars: o.publishSamples };

  for (const [b, name] of o.bundles.entries()) {
    const run = chosenRun(o.chosen, name);
    const bar = progress.task(`bundle ${name}: scores, exemplars, ONNX`, 1);
    const assembled = await assembleBundle({
      data, name, run, metric: o.metric, xrm: o.xrm.selected, xrmSelection: o.xrmSelection, calibration, measure: o.measures[b], backend: o.backend,
      exemplars: o.exemplars, seed: o.seed, id: `${name}-${o.tag}`, fingerprint: o.fingerprint, samples: demoSamples(data), publish,
    });
    bar.tick(1);
    bar.done();
    reliability.push({ model: name, bins: assembled.reliability });
    pending.push({ name, dir: path.join(o.out, assembled.contents.manifest.model.id), contents: assembled.contents });
  }

  const reportData: ReportData = {
    title: `mat-edge: ${o.bundles.join(' vs ')} on ${data.name}`,
    createdAt: new Date().toISOString(),
    dataset: { name: data.name, numTrain: data.train.n, numVal: data.val.n, numTest: data.test.n },
    classNames: data.classNames,
    groupNames: data.groupNames,
    inferredGroupNames: inferredGroupNames(data.classNames),
    backend: o.backend,
    wallSeconds: wallSeconds(),
    servedAlgorithm: o.bundles[0],
    runs: reportRuns,
    xrm: xrmSummary(data, o.xrm),
    memorization: memorizationHistograms(data, o.measures, o.xrm.selected),
    scores: { reliability: { split: 'val', curves: reliability } },
  };
  for (const p of pending) {
    // Each bundle's report marks its own algorithm as the served one and shows its own score calibration.
    const own: ReportData = { ...reportData, servedAlgorithm: p.name, wallSeconds: wallSeconds(), scores: { ...reportData.scores, calibration: p.contents.manifest.scores } };
    p.contents.manifest.training.wallSeconds = wallSeconds();
    const manifest = await writeBundle(p.dir, { ...p.contents, report: await renderReport(own), reportData: own });
    bundles.push({ algorithm: p.name, dir: p.dir, manifest });
    progress.log(`wrote ${p.dir}`);
  }
  return bundles;
}

/** Trains XRM, every requested algorithm, selects on validation worst-group accuracy, measures memorization, writes bundles. */
export async function trainPipeline(o: TrainOptions): Promise<TrainSummary> {
  const t0 = performance.now();
  const backend = await initBackend(o.backend);
  const { data, progress } = o;
  const profile = profileFor(data);
  const metric = selectionMetric(data, o.selection);
  const fingerprint = datasetFingerprint(data);
  await assertBundlesReplaceable(o, fingerprint);
  const combinations = Array.from({ length: o.sweep }, (_, c) => c);
  const workers = o.workers ?? 1;
  progress.log(`data ${data.name}: ${data.train.n} train / ${data.val.n} val / ${data.test.n} test; backend ${backend}; selection ${metric}; ${workers} worker${workers === 1 ? '' : 's'}`);
  let mark = performance.now();
  const lap = () => {
    const start = mark;
    mark = performance.now();
    return (mark - start) / 1000;
  };
  const phases: TrainSummary['phases'] = { xrm: 0, algorithms: 0, memorization: 0, bundles: 0 };

  const { xrm, measures, chosen, results } = await withRunner({ data, progress, workers, backend }, async (runner) => {
    const sweepOpts = { data, profile, combinations, seed: o.seed, steps: o.steps, progress, runner, xrmSelection: o.xrmSelection };
    const xrm = await xrmSweep(sweepOpts);
    phases.xrm = lap();
    const names = trainedAlgorithms(data, o.algorithms, o.bundles, progress);
    // Every algorithm's sweep at once: they only share the selected XRM run.
    const runs = new Map<AlgorithmName, RunResult[]>((await Promise.all(names.map((name) => algorithmSweep(sweepOpts, name, xrm.selected)))).map((r, i) => [names[i], r]));
    phases.algorithms = lap();
    const { results, chosen } = selectResults(runs, metric);
    const measures: MemorizationMeasure[] = await Promise.all(o.bundles.map((name) => {
      const model = memorizationModelOptions({ data, profile, seed: o.seed, runner, epochs: o.memorization.epochs }, name, chosenRun(chosen, name), xrm.selected);
      return measureMemorization({ ...model, pairs: o.memorization.pairs });
    }));
    phases.memorization = lap();
    return { xrm, measures, chosen, results };
  });

  const bundles = await writeTrainedBundles({ ...o, xrmSelection: o.xrmSelection ?? 'held-out', backend, fingerprint, metric, xrm, chosen, measures, t0 });
  phases.bundles = lap();
  return {
    backend,
    wallSeconds: (performance.now() - t0) / 1000,
    phases,
    workers,
    selection: metric,
    xrm: { combination: xrm.selectedCombination, flipRate: xrm.selected.flipRate, degenerate: xrm.selected.degenerate },
    results,
    bundles,
  };
}
