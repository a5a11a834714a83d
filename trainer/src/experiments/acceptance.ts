import type { AlgorithmName } from '../algorithms/registry.js';
import { initBackend, type BackendName } from '../backend.js';
import { loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { Mlp } from '../model/mlp.js';
import type { Progress } from '../pipeline/progress.js';
import { algorithmSweep, selectRun, xrmSweep } from '../pipeline/sweep.js';
import { argmaxRows, forwardSplit } from '../train/forward.js';
import { profileFor } from '../train/profile.js';
import type { SelectionMetric } from '../train/run.js';

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
  datasets: ('synthetic' | 'colored-mnist')[];
  algorithms: AlgorithmName[];
  seeds: number[];
  sweep: number;
  backend: BackendName;
  progress: Progress;
}

/** Minority = true group whose spurious attribute disagrees with the label (2·y + a with a ≠ y). */
function minorityAccuracy(data: Dataset, predicted: Int32Array): number | null {
  const g = data.test.group;
  if (!g) return null;
  let hits = 0, n = 0;
  for (let i = 0; i < data.test.n; i++) {
    const y = data.test.y[i];
    if ((g[i] & 1) === y) continue;
    n++;
    if (predicted[i] === y) hits++;
  }
  return n ? hits / n : null;
}

/** Trains XRM and every algorithm per seed and dataset; returns one row per (algorithm, selection metric, seed). */
export async function runAcceptance(o: AcceptanceOptions): Promise<SeedResult[]> {
  await initBackend(o.backend);
  const rows: SeedResult[] = [];
  for (const name of o.datasets) {
    const data = await loadDataset(name === 'synthetic' ? { kind: 'synthetic', noiseStd: 0.5 } : { kind: 'colored-mnist' });
    const profile = profileFor(data);
    for (const seed of o.seeds) {
      const sweep = { data, profile, combinations: Array.from({ length: o.sweep }, (_, c) => c), seed, progress: o.progress };
      const xrm = await xrmSweep(sweep);
      for (const algorithm of o.algorithms) {
        const runs = await algorithmSweep(sweep, algorithm, xrm.selected);
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
          o.progress.log(`${data.name} seed ${seed} ${algorithm} (${selection}): test avg ${best.selected.point.te_avg.toFixed(3)}, WGA ${rows.at(-1)!.testWorstGroup.toFixed(3)}`);
        }
      }
    }
  }
  return rows;
}
