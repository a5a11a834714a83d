/**
 * Metric helpers of the score validation protocol (docs/validation.md): rank correlation,
 * AUROC, total variation. Pure functions, no tfjs.
 */

/** Ranks 1..n with ties given their average rank (the "fractional ranking" Spearman needs). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation; NaN when either side is constant or fewer than 2 values. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`pearson: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/**
 * Spearman rank correlation: Pearson correlation of average ranks (correct with ties).
 * @example spearman([1, 2, 3], [10, 20, 30]) // 1
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`spearman: lengths differ (${x.length} vs ${y.length})`);
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Area under the ROC curve of `scores` for the positives (`positive[i]` truthy), by the Mann–Whitney U statistic:
 * P(score of a random positive > score of a random negative) + ½·P(tie). NaN without positives or negatives.
 * @example auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) // 0.75
 */
export function auroc(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  if (scores.length !== positive.length) throw new RangeError(`auroc: lengths differ (${scores.length} vs ${positive.length})`);
  const ranks = averageRanks(scores);
  let nPos = 0, rankSum = 0;
  for (let i = 0; i < scores.length; i++) if (positive[i]) { nPos++; rankSum += ranks[i]; }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** ½‖p − q‖₁ between two probability vectors. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`totalVariation: lengths differ (${p.length} vs ${q.length})`);
  let s = 0;
  for (let k = 0; k < p.length; k++) s += Math.abs(p[k] - q[k]);
  return 0.5 * s;
}

/** Mean of the entries where `mask` is truthy (all when omitted); NaN when none. */
export function mean(values: ArrayLike<number>, mask?: ArrayLike<number | boolean>): number {
  let s = 0, n = 0;
  for (let i = 0; i < values.length; i++) if (!mask || mask[i]) { s += values[i]; n++; }
  return n ? s / n : NaN;
}

/** Entries of `values` at `indices`. */
export function take(values: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  return Float64Array.from(indices as ArrayLike<number>, (i) => values[i]);
}

/**
 * Empirical CDF of a reference sample: v ↦ share of the sample ≤ v (ties count fully), the fine-grained version of reading
 * a percentile off stored validation quantiles.
 * @example empiricalCdf([1, 2, 3, 4])(2.5) // 0.5
 */
export function empiricalCdf(sample: ArrayLike<number>): (v: number) => number {
  const sorted = Float64Array.from(sample as ArrayLike<number>).sort();
  const n = sorted.length;
  return (v: number) => {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= v) lo = mid + 1; else hi = mid;
    }
    return n ? lo / n : NaN;
  };
}
