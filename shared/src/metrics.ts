import type { GroupedAccuracy } from './manifest.js';
import { argmax } from './math.js';

/**
 * Average and per-group accuracy; worst-group accuracy is the minimum over non-empty groups.
 * @example groupedAccuracy([1, 0, 1], [0, 1, 1], ['a', 'b']) // average 2/3, worstGroup 0.5
 */
export function groupedAccuracy(
  correct: ArrayLike<number | boolean>,
  groups: ArrayLike<number>,
  groupNames: readonly string[],
): GroupedAccuracy {
  const G = groupNames.length;
  const hits = new Array<number>(G).fill(0), counts = new Array<number>(G).fill(0);
  let total = 0;
  for (let i = 0; i < correct.length; i++) {
    const g = groups[i];
    if (!(Number.isInteger(g) && g >= 0 && g < G)) throw new RangeError(`group id ${g} at index ${i} is outside [0, ${G})`);
    const c = correct[i] ? 1 : 0;
    hits[g] += c; counts[g]++; total += c;
  }
  const perGroup = groupNames.map((name, g) => ({ group: g, name, n: counts[g], accuracy: counts[g] ? hits[g] / counts[g] : null }));
  const present = perGroup.filter((p) => p.accuracy !== null).map((p) => p.accuracy as number);
  return {
    average: correct.length ? total / correct.length : 0,
    worstGroup: present.length ? Math.min(...present) : 0,
    perGroup,
  };
}

/** XRM's cross-mistake bit e of a labelled input: either twin's argmax misses the label (method.md §1.4). */
export function crossMistake(twinA: ArrayLike<number>, twinB: ArrayLike<number>, label: number): boolean {
  return argmax(twinA) !== label || argmax(twinB) !== label;
}

/** XRM inferred group id: 2·y + e, with e the cross-mistake bit (method.md §1.4). */
export function inferredGroupId(label: number, crossMistake: boolean | number): number {
  return 2 * label + (crossMistake ? 1 : 0);
}

export function inferredGroupNames(classNames: readonly string[]): string[] {
  return classNames.flatMap((c) => [`${c} · agrees with shortcut`, `${c} · conflicts with shortcut`]);
}
