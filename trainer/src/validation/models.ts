import type { Calibration, Hparams } from '#shared';
import { calibrationMatrix, classPriors } from '../algorithms/mat-shift.js';
import { ALGORITHMS } from '../algorithms/registry.js';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { Dataset } from '../data/types.js';
import type { MlpWeights } from '../model/weights.js';
import type { Progress } from '../pipeline/progress.js';
import { algorithmSweep, selectRun, xrmSweep } from '../pipeline/sweep.js';
import type { Runner } from '../pool/runner.js';
import { profileFor } from '../train/profile.js';
import type { SelectionMetric } from '../train/run.js';

/** The two algorithms the protocol compares. */
export type ValidatedAlgorithm = 'erm' | 'mat';
export const VALIDATED: readonly ValidatedAlgorithm[] = ['erm', 'mat'];

export interface ServedModel {
  algorithm: ValidatedAlgorithm;
  hparams: Hparams;
  /** Selected checkpoint (what a bundle serves). */
  weights: MlpWeights;
}

/** Everything the protocol needs in memory: the XRM run, the bundle calibration and the selected ERM and MAT models. */
export interface TrainedModels {
  data: Dataset;
  profile: TrainingProfile;
  metric: SelectionMetric;
  xrm: XrmResult;
  calibration: Calibration;
  models: Record<ValidatedAlgorithm, ServedModel>;
}

export interface TrainModelsOptions {
  seed: number;
  sweep: number;
  steps?: number;
  progress: Progress;
  runner: Runner;
}

/**
 * Re-runs the pieces of trainPipeline (xrmSweep, algorithmSweep, selectRun, the MAT calibration) for ERM and MAT,
 * keeping the results in memory instead of writing bundles; selection is on validation only.
 */
export async function trainModels(data: Dataset, o: TrainModelsOptions): Promise<TrainedModels> {
  const profile = profileFor(data);
  const metric: SelectionMetric = data.val.group ? 'va_wga' : 'va_gi_wga';
  const combinations = Array.from({ length: o.sweep }, (_, c) => c);
  const sweepOpts = { data, profile, combinations, seed: o.seed, steps: o.steps, progress: o.progress, runner: o.runner };
  const xrm = await xrmSweep(sweepOpts);
  const models = {} as Record<ValidatedAlgorithm, ServedModel>;
  const sweeps = await Promise.all(VALIDATED.map((algorithm) => algorithmSweep(sweepOpts, algorithm, ALGORITHMS[algorithm].needsXrm ? xrm.selected : null)));
  for (const [i, algorithm] of VALIDATED.entries()) {
    const runs = sweeps[i];
    const best = selectRun(runs, metric);
    if (!best) throw new Error(`no ${algorithm} run could be selected on ${metric}`);
    models[algorithm] = { algorithm, hparams: best.run.hparams, weights: best.selected.weights };
    o.progress.log(`${algorithm}: combination ${best.run.combination} step ${best.selected.step} ${metric} ${best.selected.value.toFixed(3)}`);
  }
  const tau = models.mat.hparams.tau ?? ALGORITHMS.mat.hparams.tau.default;
  const calibration: Calibration = {
    tau,
    matrix: calibrationMatrix(xrm.selected.heldOutLogits, data.train.y, data.numClasses, tau),
    classPriors: classPriors(data.train.y, data.numClasses),
    epsilon: 1e-6,
  };
  return { data, profile, metric, xrm: xrm.selected, calibration, models };
}
