import type { Hparams } from '#shared';
import { ALGORITHMS, type AlgorithmName } from '../algorithms/registry.js';
import type { AlgorithmContext, TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { XrmAlgorithm } from '../algorithms/xrm.js';
import type { Dataset } from '../data/types.js';
import { architecture } from '../model/mlp.js';
import type { MlpWeights } from '../model/weights.js';
import { RandomState } from '../random.js';
import { evaluateNet, inferredGroups } from './evaluate.js';
import { BatchSource } from './sampler.js';

export type SelectionMetric = 'va_wga' | 'va_gi_wga';

/** One logged checkpoint (docs/method.md §2.7). Null where the split has no such groups. */
export interface CurvePoint {
  step: number;
  loss: number;
  va_avg: number;
  va_wga: number | null;
  va_gi_wga: number | null;
  te_avg: number;
  te_wga: number | null;
  te_gi_wga: number | null;
}

export interface Selected {
  step: number;
  value: number;
  vaAvg: number;
  point: CurvePoint;
  weights: MlpWeights;
}

export interface RunResult {
  algorithm: AlgorithmName;
  hparams: Hparams;
  seed: number;
  combination: number | null;
  curve: CurvePoint[];
  /** Early stopping by checkpoint: best logged step per selection metric (last on ties, step 0 ignored). */
  selected: Partial<Record<SelectionMetric, Selected>>;
  final: MlpWeights;
  steps: number;
  wallSeconds: number;
}

export interface RunOptions {
  data: Dataset;
  profile: TrainingProfile;
  algorithm: AlgorithmName;
  hparams: Hparams;
  seed: number;
  combination?: number | null;
  xrm?: XrmResult | null;
  /** Train on these training indices only (memorization models); all by default. */
  trainIdx?: Int32Array;
  /** Evaluate on val/test at checkpoints (off for XRM and memorization models). */
  evaluate?: boolean;
  steps?: number;
  onStep?: (step: number, total: number, loss: number) => void;
}

export function makeContext(o: RunOptions): AlgorithmContext {
  const { data, profile } = o;
  return {
    data,
    trainIdx: o.trainIdx ?? Int32Array.from({ length: data.train.n }, (_, i) => i),
    arch: architecture(data.train.d, profile.hidden, data.numClasses, profile.bias),
    profile: o.steps ? { ...profile, steps: o.steps } : profile,
    hp: o.hparams,
    rng: new RandomState(o.seed),
    xrm: o.xrm ?? null,
  };
}

/** Trains one algorithm with one set of hyper-parameters and seed, logging and selecting checkpoints. */
export async function runAlgorithm(o: RunOptions): Promise<RunResult & { xrm?: XrmResult }> {
  const t0 = performance.now();
  const entry = ALGORITHMS[o.algorithm];
  if (entry.needsXrm && !o.xrm) throw new Error(`${o.algorithm} needs an XRM run`);
  if (entry.needsGroups && !o.data.train.group) throw new Error(`${o.algorithm} needs training group labels, and ${o.data.name} has none`);
  const ctx = makeContext(o);
  const algo = entry.create(ctx);
  const batches = new BatchSource(ctx, ctx.rng.fork());
  await algo.prepare?.();
  const { steps, checkpointFreq } = ctx.profile;
  const inferredVal = o.xrm ? inferredGroups(o.data.val, o.xrm.crossMistakes.val) : null;
  const inferredTest = o.xrm ? inferredGroups(o.data.test, o.xrm.crossMistakes.test) : null;
  const curve: CurvePoint[] = [];
  const flipCurve: { step: number; flipRate: number }[] = [];
  const selected: RunResult['selected'] = {};
  for (let step = 0; step < steps; step++) {
    const batch = batches.next();
    const loss = algo.update(batch, step);
    batches.release(batch);
    if (!Number.isFinite(loss)) throw new Error(`${o.algorithm}: loss became ${loss} at step ${step}; lower the learning rate`);
    o.onStep?.(step, steps, loss);
    if (step % checkpointFreq !== 0 && step !== steps - 1) continue;
    const extra = algo.checkpointLog?.();
    if (extra && 'flipRate' in extra) flipCurve.push({ step, flipRate: extra.flipRate });
    if (o.evaluate === false) continue;
    const va = evaluateNet(algo.predictor, o.data, o.data.val, inferredVal);
    const te = evaluateNet(algo.predictor, o.data, o.data.test, inferredTest);
    const point: CurvePoint = {
      step,
      loss,
      va_avg: (va.trueGroups ?? va.inferredGroups)?.average ?? NaN,
      va_wga: va.trueGroups?.worstGroup ?? null,
      va_gi_wga: va.inferredGroups?.worstGroup ?? null,
      te_avg: (te.trueGroups ?? te.inferredGroups)?.average ?? NaN,
      te_wga: te.trueGroups?.worstGroup ?? null,
      te_gi_wga: te.inferredGroups?.worstGroup ?? null,
    };
    curve.push(point);
    if (step === 0) continue;
    for (const metric of ['va_wga', 'va_gi_wga'] as const) {
      const value = point[metric];
      if (value === null) continue;
      const best = selected[metric];
      if (!best || value >= best.value) selected[metric] = { step, value, vaAvg: point.va_avg, point, weights: algo.predictor.toWeights() };
    }
  }
  const result: RunResult & { xrm?: XrmResult } = {
    algorithm: o.algorithm,
    hparams: o.hparams,
    seed: o.seed,
    combination: o.combination ?? null,
    curve,
    selected,
    final: algo.predictor.toWeights(),
    steps,
    wallSeconds: 0,
  };
  if (o.algorithm === 'xrm') result.xrm = { ...(algo as XrmAlgorithm).finish(o.seed), flipCurve };
  algo.dispose();
  batches.dispose();
  result.wallSeconds = (performance.now() - t0) / 1000;
  return result;
}
