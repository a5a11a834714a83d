import type { Hparams } from '#shared';
import { resolveHparams, type AlgorithmName } from '../algorithms/registry.js';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { Dataset } from '../data/types.js';
import type { Runner } from '../pool/runner.js';
import type { RunResult, Selected, SelectionMetric } from '../train/run.js';
import type { Progress } from './progress.js';
import { selectXrm, type XrmSelection } from './xrm-selection.js';

export interface SweepOptions {
  data: Dataset;
  profile: TrainingProfile;
  /** Hyper-parameter combinations (docs/method.md §2.6); null = the registry defaults. */
  combinations: (number | null)[];
  seed: number;
  overrides?: Hparams;
  steps?: number;
  progress: Progress;
  /** Where the runs train (in this thread or a worker pool). */
  runner: Runner;
  /** Which XRM run the later algorithms use (docs/method.md §1.6); default `held-out`. */
  xrmSelection?: XrmSelection;
}

function label(algorithm: string, c: number | null, seed: number): string {
  return `${algorithm} ${c === null ? 'default' : `c${c}`} seed ${seed}`;
}

/** One run of `algorithm` with combination `c` and the sweep's seed, on the sweep's runner (a sweep job runs exactly this). */
export function runOne(o: SweepOptions, algorithm: AlgorithmName, c: number | null, xrm: XrmResult | null, evaluate: boolean) {
  const hparams = resolveHparams(algorithm, o.profile, c, o.overrides);
  return o.runner.run({ profile: o.profile, algorithm, hparams, seed: o.seed, combination: c, xrm, evaluate, steps: o.steps }, label(algorithm, c, o.seed));
}

export interface XrmSweep {
  selected: XrmResult;
  selectedCombination: number | null;
  runs: { combination: number | null; result: XrmResult }[];
}

/** The progress line of one finished XRM run. */
export function xrmLine(c: number | null, xrm: XrmResult): string {
  return `xrm ${c ?? 'default'}: flip rate ${xrm.flipRate.toFixed(4)}, held-out ${xrm.valFlipRate.toFixed(4)}${xrm.degenerate ? ' (degenerate)' : ''}`;
}

/** XRM over the combinations; keeps the run `xrmSelection` selects (docs/method.md §1.6). */
export async function xrmSweep(o: SweepOptions): Promise<XrmSweep> {
  // Every combination at once; results are read in combination order, so the selection is the same however they ran.
  const runs: XrmSweep['runs'] = await Promise.all(o.combinations.map(async (c) => {
    const run = await runOne(o, 'xrm', c, null, false);
    o.progress.log(xrmLine(c, run.xrm!));
    return { combination: c, result: run.xrm as XrmResult };
  }));
  if (runs.every((r) => r.result.degenerate)) o.progress.log('warning: every XRM run is degenerate; its inferred groups are unreliable');
  return pickXrm(runs, o.xrmSelection ?? 'held-out');
}

/**
 * XRM model selection over runs in combination order by `rule` (the pure rule: ./xrm-selection.ts), what `train` and a
 * sweep's algorithm jobs and `collect` all call, so that they keep the same run.
 */
export function pickXrm(runs: XrmSweep['runs'], rule: XrmSelection): XrmSweep {
  const best = runs[selectXrm(runs.map((r) => r.result), rule)];
  return { selected: best.result, selectedCombination: best.combination, runs };
}

/** Every combination of one algorithm, each with checkpoint evaluation. */
export function algorithmSweep(o: SweepOptions, algorithm: AlgorithmName, xrm: XrmResult | null): Promise<RunResult[]> {
  return Promise.all(o.combinations.map((c) => runOne(o, algorithm, c, xrm, true)));
}

/** Best run under a selection metric: highest selected value, ties broken by validation average (docs/method.md §2.7). */
export function selectRun(runs: RunResult[], metric: SelectionMetric): { run: RunResult; selected: Selected } | null {
  let best: { run: RunResult; selected: Selected } | null = null;
  for (const run of runs) {
    const s = run.selected[metric];
    if (!s) continue;
    if (!best || s.value > best.selected.value || (s.value === best.selected.value && s.vaAvg > best.selected.vaAvg)) best = { run, selected: s };
  }
  return best;
}
