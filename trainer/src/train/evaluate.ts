import { groupedAccuracy, inferredGroupId, inferredGroupNames, type GroupedAccuracy, type SplitMetrics } from '#shared';
import type { Dataset, Split } from '../data/types.js';
import type { Mlp } from '../model/mlp.js';
import { argmaxRows, forwardSplit } from './forward.js';

/** XRM inferred groups 2·y + e of a split. */
export function inferredGroups(split: Split, crossMistakes: Uint8Array): Int32Array {
  return Int32Array.from(split.y, (y, i) => inferredGroupId(y, crossMistakes[i]));
}

/** Accuracy by true groups (when annotated) and by XRM-inferred groups (when given) of predictions on a split. */
export function splitMetrics(data: Dataset, split: Split, predicted: Int32Array, inferred: Int32Array | null): SplitMetrics {
  const correct = Uint8Array.from(predicted, (p, i) => (p === split.y[i] ? 1 : 0));
  const byGroups = (groups: ArrayLike<number> | null, names: string[]): GroupedAccuracy | null =>
    groups ? groupedAccuracy(correct, groups, names) : null;
  return {
    n: split.n,
    trueGroups: byGroups(split.group, data.groupNames),
    inferredGroups: byGroups(inferred, inferredGroupNames(data.classNames)),
  };
}

export function evaluateNet(net: Mlp, data: Dataset, split: Split, inferred: Int32Array | null): SplitMetrics {
  const predicted = argmaxRows(forwardSplit([net], split).logits[0], data.numClasses);
  return splitMetrics(data, split, predicted, inferred);
}
