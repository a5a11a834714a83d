import type { AlgorithmName } from '../algorithms/registry.js';
import { initBackend, type BackendName } from '../backend.js';
import type { Dataset } from '../data/types.js';
import { Mlp } from '../model/mlp.js';
import type { Progress } from '../pipeline/progress.js';
import { algorithmSweep, selectRun, xrmSweep } from '../pipeline/sweep.js';
import { withRunner } from '../pool/runner.js';
import { argmaxRows, forwardSplit } from '../train/forward.js';
import { profileFor } from '../train/profile.js';
import type { RunResult, SelectionMetric } from '../train/run.js';
import { loadAcceptanceDataset, trueMinority, type AcceptanceDataset } from './datasets.js';

/** One selected result: test average and worst-group accuracy of an algorithm under a selection metric, for one seed. */
export interface SeedResult {
  dataset: string;
  algorithm: AlgorithmName;
  selection: SelectionMetric;
  seed: number;
  testAverage: number;
  testWorstGroup: number;
  /** Accuracy on minority (bias-conflicting) test examples at the last step: the reference's synthetic protocol. */
  finalMinorityAccuracy: number | null;
}

export interface AcceptanceOptions {
  datasets: AcceptanceDataset[];
  algorithms: AlgorithmName[];
  seeds: number[];
  sweep: number;
  backend: BackendName;
  /** At most this many training examples (Colored MNIST, planted CSV). */
  limit?: number;
  /** Where the planted CSV is written. */
  workDir: string;
  /** Worker threads for the independent runs (1: in this thread). */
  workers?: number;
  progress: Progress;
}

/** Accuracy on the true minority (trueMinority) of the test split; null without groups. */
function minorityAccuracy(data: Dataset, predicted: Int32Array): number | null {
  const minority = trueMinority(data.test.group, data.test.y);
  if (!minority) return null;
  let hits = 0, n = 0;
  for (let i = 0; i < data.test.n; i++) {
    if (!minority[i]) continue;
    n++;
    if (predicted[i] === data.test.y[i]) hits++;
  }
  return n ? hits / n : null;
}

/** Trains XRM and every algorithm per seed and dataset; returns one row per (algorithm, selection metric, seed). */
export async function runAcceptance(o: AcceptanceOptions): Promise<SeedResult[]> {
  const backend = await initBackend(o.backend);
  const rows: SeedResult[] = [];
  for (const name of o.datasets) {
    const data = await loadAcceptanceDataset(name, { limit: o.limit, workDir: o.workDir });
    const profile = profileFor(data);
    // Seeds and algorithms are independent: all of them at once, rows kept in (seed, algorithm, selection) order.
    const perSeed = await withRunner({ data, progress: o.progress, workers: o.workers ?? 1, backend }, (runner) => Promise.all(o.seeds.map(async (seed) => {
      const sweep = { data, profile, combinations: Array.from({ length: o.sweep }, (_, c) => c), seed, progress: o.progress, runner };
      const xrm = await xrmSweep(sweep);
      return Promise.all(o.algorithms.map(async (algorithm) => seedRows(data, algorithm, seed, await algorithmSweep(sweep, algorithm, xrm.selected), o.progress)));
    })));
    rows.push(...perSeed.flat(2));
  }
  return rows;
}

/** The selected result of one algorithm's sweep under each selection metric. */
function seedRows(data: Dataset, algorithm: AlgorithmName, seed: number, runs: RunResult[], progress: Progress): SeedResult[] {
  const rows: SeedResult[] = [];
  for (const selection of ['va_wga', 'va_gi_wga'] as const) {
    const best = selectRun(runs, selection);
    if (!best) continue;
    const net = new Mlp(best.run.final.arch, best.run.final);
    const finalPred = argmaxRows(forwardSplit([net], data.test).logits[0], data.numClasses);
    net.dispose();
    rows.push({
      dataset: data.name, algorithm, selection, seed,
      testAverage: best.selected.point.te_avg,
      testWorstGroup: best.selected.point.te_wga ?? best.selected.point.te_gi_wga ?? NaN,
      finalMinorityAccuracy: minorityAccuracy(data, finalPred),
    });
    progress.log(`${data.name} seed ${seed} ${algorithm} (${selection}): test avg ${best.selected.point.te_avg.toFixed(3)}, WGA ${rows.at(-1)!.testWorstGroup.toFixed(3)}`);
  }
  return rows;
}
