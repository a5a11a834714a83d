import { inferredGroupNames, softmax, argmax } from '#shared';
import type { Dataset } from '../data/types.js';
import { groupHistograms, uniformBinEdges } from '../report/histogram.js';
import type { AlgorithmRun, MemorizationHistograms, ReliabilityBin, XrmSummary } from '../report/data.js';
import { Mlp } from '../model/mlp.js';
import { evaluateNet, inferredGroups } from '../train/evaluate.js';
import type { RunResult, SelectionMetric } from '../train/run.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { MemorizationMeasure } from './memorization.js';
import type { XrmSweep } from './sweep.js';
import type { SplitOutputs } from './outputs.js';

/** The report's view of one selected run: its curve, selected step and per-group test accuracy. */
export function reportRun(data: Dataset, run: RunResult, metric: SelectionMetric, xrm: XrmResult): AlgorithmRun {
  const sel = run.selected[metric]!;
  const net = new Mlp(sel.weights.arch, sel.weights);
  const te = evaluateNet(net, data, data.test, inferredGroups(data.test, xrm.crossMistakes.test));
  net.dispose();
  const groups = te.trueGroups ?? te.inferredGroups!;
  return {
    algorithm: run.algorithm,
    hparams: run.hparams,
    seed: run.seed,
    selectionMetric: metric,
    selectedStep: sel.step,
    curve: run.curve.map(({ te_gi_wga: _unused, ...p }) => p),
    testPerGroup: groups.perGroup,
    testAverage: groups.average,
    testWorstGroup: groups.worstGroup,
  };
}

export function xrmSummary(data: Dataset, sweep: XrmSweep): XrmSummary {
  const G = data.groupNames.length, I = 2 * data.numClasses;
  const inferred = inferredGroups(data.train, sweep.selected.crossMistakes.train);
  const counts = data.train.group ? Array.from({ length: G }, () => new Array<number>(I).fill(0)) : null;
  if (counts) data.train.group!.forEach((g, i) => counts[g][inferred[i]]++);
  return {
    combinations: sweep.runs.map(({ combination, result }) => ({
      combination: combination ?? 0, hparams: result.hparams, degenerate: result.degenerate, flipRate: result.flipCurve,
    })),
    selectedCombination: sweep.selectedCombination ?? 0,
    ...(counts ? { groupRecovery: { split: 'train' as const, counts } } : {}),
  };
}

/** Histograms of raw in-minus-out memorization per group, for every measured algorithm. */
export function memorizationHistograms(data: Dataset, measures: MemorizationMeasure[], xrm: XrmResult): MemorizationHistograms {
  const useTrue = data.train.group !== null;
  const groups = useTrue ? data.train.group! : inferredGroups(data.train, xrm.crossMistakes.train);
  const names = useTrue ? data.groupNames : inferredGroupNames(data.classNames);
  const binEdges = uniformBinEdges(-1, 1, 40);
  return {
    groupSource: useTrue ? 'true' : 'inferred',
    binEdges,
    algorithms: measures.map((m) => ({ algorithm: m.algorithm, perGroup: groupHistograms(m.scores, groups, names, binEdges) })),
  };
}

/** Reliability diagram: confidence bins (max softmax) vs accuracy on a split; empty bins left out. */
export function reliabilityBins(o: SplitOutputs, y: Int32Array, bins = 10): ReliabilityBin[] {
  const lo = 1 / o.K;
  const acc = Array.from({ length: bins }, () => ({ conf: 0, hits: 0, count: 0 }));
  for (let i = 0; i < o.n; i++) {
    const p = softmax(o.logits.subarray(i * o.K, (i + 1) * o.K));
    const c = Math.max(...p);
    const b = Math.min(bins - 1, Math.floor(((c - lo) / (1 - lo)) * bins));
    acc[b].conf += c; acc[b].count++;
    if (argmax(p) === y[i]) acc[b].hits++;
  }
  return acc.flatMap((a, b) => a.count ? [{
    lower: lo + ((1 - lo) * b) / bins, upper: lo + ((1 - lo) * (b + 1)) / bins, confidence: a.conf / a.count, accuracy: a.hits / a.count, count: a.count,
  }] : []);
}
