import type { AlgorithmName } from '../algorithms/registry.js';
import { seedBundleDir } from './jobs.js';
import { algorithmRunsOf, jobResult, memorizationProbsOf, openSweep, xrmOf, type SweepContext } from './jobs-run.js';
import { memorizationHalves, memorizationMeasure } from './memorization.js';
import type { Progress } from './progress.js';
import {
  assertBundlesReplaceable, chosenRun, memorizationSteps, selectResults, writeTrainedBundles, type TrainSummary,
} from './train.js';

export interface CollectOptions {
  dir: string;
  /** Bundles go to <out>/<algorithm>-<tag> (one seed) or <out>/seed-<s>/<algorithm>-<tag>. */
  out: string;
  replace?: boolean;
  progress: Progress;
}

export type SeedSummary = Pick<TrainSummary, 'selection' | 'xrm' | 'results' | 'bundles'> & { seed: number };

export interface CollectSummary {
  backend: string;
  wallSeconds: number;
  seeds: SeedSummary[];
}

/** The seed's results: its XRM runs, algorithm runs and memorization models' p(y|x). */
async function readSeed(ctx: SweepContext, seed: number) {
  const { plan } = ctx;
  const needed = 'collect';
  const [xrm, runs] = await Promise.all([xrmOf(ctx, seed, needed), algorithmRunsOf(ctx, seed, plan.algorithms, needed)]);
  const probs = await Promise.all(plan.bundles.map((name) => memorizationProbsOf(ctx, seed, name, needed)));
  return { xrm, runs, probs };
}

/**
 * After a sweep: reads the result files, selects exactly as train does (pickXrm through xrmOf, selectResults), builds
 * the memorization measures from the half-models' results, and writes the bundles train would have written.
 */
export async function collectSweep(o: CollectOptions): Promise<CollectSummary> {
  const t0 = performance.now();
  const ctx = await openSweep(o.dir, o.progress);
  const { plan, data } = ctx;
  // Every missing result named at once, before anything is selected or written.
  const done = await Promise.all(ctx.jobs.map((j) => jobResult(ctx, j)));
  const missing = ctx.jobs.filter((_, i) => !done[i]).map((j) => j.id);
  if (missing.length) {
    const shown = missing.length > 12 ? `${missing.slice(0, 12).join(', ')} and ${missing.length - 12} more` : missing.join(', ');
    throw new Error(`collect needs the results of ${shown} (missing or invalid in ${o.dir}/results; run mat-edge sweep --out ${o.dir}, or the jobs' stages on the scheduler, first)`);
  }
  const seeds = await Promise.all(plan.seeds.map((seed) => readSeed(ctx, seed).then((r) => ({ seed, ...r }))));
  const fingerprint = plan.fingerprint;
  for (const s of plan.seeds) await assertBundlesReplaceable({ data, out: seedBundleDir(plan, o.out, s), tag: plan.tag, bundles: plan.bundles, replace: o.replace }, fingerprint);
  const summaries: SeedSummary[] = [];
  for (const { seed, xrm, runs, probs } of seeds) {
    const { results, chosen } = selectResults(runs, plan.selection);
    const membership = memorizationHalves(data.train.n, plan.memorization.pairs, seed);
    const measures = plan.bundles.map((name: AlgorithmName, b) => {
      const steps = memorizationSteps(ctx.profile, data.train.n, chosenRun(chosen, name), plan.memorization.epochs);
      return memorizationMeasure(name, probs[b], membership, steps);
    });
    const bundles = await writeTrainedBundles({
      data, bundles: plan.bundles, out: seedBundleDir(plan, o.out, seed), tag: plan.tag, exemplars: plan.exemplars, seed,
      publishSamples: plan.publishSamples ?? undefined, backend: ctx.backend, fingerprint, metric: plan.selection, xrm, xrmSelection: plan.xrmSelection, chosen, measures,
      progress: o.progress, t0,
    });
    summaries.push({
      seed, selection: plan.selection, results, bundles,
      xrm: { combination: xrm.selectedCombination, flipRate: xrm.selected.flipRate, degenerate: xrm.selected.degenerate },
    });
  }
  return { backend: ctx.backend, wallSeconds: (performance.now() - t0) / 1000, seeds: summaries };
}
