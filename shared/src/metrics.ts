import type { GroupedAccuracy } from './manifest.js';
import { argmax } from './math.js';

/** Per-group sufficient statistics of accuracy: inputs and correct answers per group id (two evaluations add up). */
export interface GroupCounts {
  n: number[];
  correct: number[];
}

export function emptyGroupCounts(groups: number): GroupCounts {
  return { n: new Array<number>(groups).fill(0), correct: new Array<number>(groups).fill(0) };
}

/** Counts one input of group `g`; `at` names the input in the error when g is not a group id. */
export function countInGroup(c: GroupCounts, g: number, correct: boolean | number, at: number): void {
  const G = c.n.length;
  if (!(Number.isInteger(g) && g >= 0 && g < G)) throw new RangeError(`group id ${g} at index ${at} is outside [0, ${G})`);
  c.n[g]++;
  if (correct) c.correct[g]++;
}

/** Average and per-group accuracy from the counts; worst-group accuracy is the minimum over non-empty groups. */
export function accuracyFromCounts(c: GroupCounts, groupNames: readonly string[]): GroupedAccuracy {
  const perGroup = groupNames.map((name, g) => ({ group: g, name, n: c.n[g], accuracy: c.n[g] ? c.correct[g] / c.n[g] : null }));
  const present = perGroup.filter((p) => p.accuracy !== null).map((p) => p.accuracy as number);
  const n = c.n.reduce((s, v) => s + v, 0), hits = c.correct.reduce((s, v) => s + v, 0);
  return { average: n ? hits / n : 0, worstGroup: present.length ? Math.min(...present) : 0, perGroup };
}

/**
 * Average and per-group accuracy; worst-group accuracy is the minimum over non-empty groups.
 * @example groupedAccuracy([1, 0, 1], [0, 1, 1], ['a', 'b']) // average 2/3, worstGroup 0.5
 */
export function groupedAccuracy(
  correct: ArrayLike<number | boolean>,
  groups: ArrayLike<number>,
  groupNames: readonly string[],
): GroupedAccuracy {
  const c = emptyGroupCounts(groupNames.length);
  for (let i = 0; i < correct.length; i++) countInGroup(c, groups[i], correct[i], i);
  return accuracyFromCounts(c, groupNames);
}

/** XRM's cross-mistake bit e of a labelled input: either twin's argmax misses the label (docs/method.md §1.4). */
export function crossMistake(twinA: ArrayLike<number>, twinB: ArrayLike<number>, label: number): boolean {
  return argmax(twinA) !== label || argmax(twinB) !== label;
}

/** XRM inferred group id: 2·y + e, with e the cross-mistake bit (docs/method.md §1.4). */
export function inferredGroupId(label: number, crossMistake: boolean | number): number {
  return 2 * label + (crossMistake ? 1 : 0);
}

export function inferredGroupNames(classNames: readonly string[]): string[] {
  return classNames.flatMap((c) => [`${c} · agrees with shortcut`, `${c} · conflicts with shortcut`]);
}
