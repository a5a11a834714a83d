import type { GroupHistogram } from './data.js';

/**
 * B + 1 evenly spaced edges over [lo, hi].
 * @example uniformBinEdges(-1, 1, 4) // [-1, -0.5, 0, 0.5, 1]
 */
export function uniformBinEdges(lo: number, hi: number, bins: number): number[] {
  if (!(hi > lo) || !Number.isInteger(bins) || bins < 1) throw new RangeError(`need lo < hi and bins ≥ 1: ${lo}, ${hi}, ${bins}`);
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
}

/**
 * Per-group histograms and means of per-example scores, so that report.json stays a few KB for
 * any training-set size. Scores outside the edges land in the end bins (counts always sum to n).
 * @example groupHistograms([0.1, 0.9], [0, 1], ['maj', 'min'], [0, 0.5, 1]) // maj: counts [1, 0]; min: [0, 1]
 */
export function groupHistograms(
  scores: ArrayLike<number>,
  groups: ArrayLike<number>,
  groupNames: readonly string[],
  binEdges: readonly number[],
): GroupHistogram[] {
  const B = binEdges.length - 1;
  const counts = groupNames.map(() => new Array<number>(B).fill(0));
  const sums = groupNames.map(() => 0);
  for (let i = 0; i < scores.length; i++) {
    const g = groups[i], s = scores[i];
    if (!(g >= 0 && g < groupNames.length)) throw new RangeError(`group id ${g} at index ${i} is outside [0, ${groupNames.length})`);
    if (!Number.isFinite(s)) throw new RangeError(`score ${s} at index ${i} is not finite`);
    let b = 0;
    while (b < B - 1 && s >= binEdges[b + 1]) b++;
    counts[g][b]++;
    sums[g] += s;
  }
  return groupNames.map((name, g) => {
    const n = counts[g].reduce((a, c) => a + c, 0);
    return { group: g, name, n, mean: n ? sums[g] / n : null, counts: counts[g] };
  });
}
