/**
 * A feature column that alone predicts the training label is almost always a leak (a copy of the label, a group id
 * that encodes it, a row id of a file sorted by label): a model trained on it reports accuracies that mean nothing.
 * The check fits the simplest one-column classifier there is, a step function: the column's values cut into at most
 * BINS bins (each distinct value its own bin when there are few, else equal-count bins of the sorted values), each bin
 * predicting its majority label, and measures its balanced accuracy (mean per-class recall, so a label that is 99% one
 * class does not make every column look predictive).
 */

/** Balanced accuracy from which a lone column counts as a label proxy. */
export const LABEL_PROXY_ACCURACY = 0.99;
/** Fewer training rows than this and the check says nothing (a step function fits a handful of rows by chance). */
export const LABEL_PROXY_MIN_ROWS = 100;
/** At most this many bins, and at least this many rows per equal-count bin. */
const BINS = 32;
const MIN_BIN_ROWS = 20;
/** Rows the check reads at most (evenly spaced): enough to see a proxy, cheap on a million-row file. */
const MAX_ROWS = 20_000;

/**
 * The bin of each row: each distinct value its own bin when there are at most BINS of them, else equal-count bins of
 * the sorted values. Cut points come from one typed-array sort (native, no comparator); equal values share a bin, so a
 * cut never separates two rows with the same value; a row's bin is the number of cuts at or below its value.
 */
function bins(values: Float64Array): Int32Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const changes: number[] = [];
  for (let rank = 1; rank < n; rank++) if (sorted[rank] !== sorted[rank - 1]) changes.push(rank);
  let cuts: number[];
  if (changes.length < BINS) cuts = changes.map((rank) => sorted[rank]);
  else {
    const count = Math.max(1, Math.min(BINS, Math.floor(n / MIN_BIN_ROWS)));
    cuts = [];
    for (const rank of changes) if (rank >= ((cuts.length + 1) * n) / count) cuts.push(sorted[rank]);
  }
  const out = new Int32Array(n);
  values.forEach((v, i) => {
    let lo = 0, hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  });
  return out;
}

/** Balanced accuracy of the majority-label-per-bin classifier of one column. */
export function stepFunctionAccuracy(values: Float64Array, y: Int32Array, numClasses: number): number {
  const b = bins(values);
  const numBins = b.reduce((m, v) => Math.max(m, v), 0) + 1;
  const counts = new Int32Array(numBins * numClasses);
  b.forEach((bin, i) => counts[bin * numClasses + y[i]]++);
  const predicted = Int32Array.from({ length: numBins }, (_, bin) => {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (counts[bin * numClasses + c] > counts[bin * numClasses + best]) best = c;
    return best;
  });
  const perClass = new Int32Array(numClasses), right = new Int32Array(numClasses);
  y.forEach((c, i) => {
    perClass[c]++;
    if (predicted[b[i]] === c) right[c]++;
  });
  let sum = 0, classes = 0;
  for (let c = 0; c < numClasses; c++) {
    if (perClass[c] === 0) continue;
    sum += right[c] / perClass[c];
    classes++;
  }
  return classes === 0 ? 0 : sum / classes;
}

/**
 * The first feature column that alone predicts the label with balanced accuracy ≥ LABEL_PROXY_ACCURACY, with that
 * accuracy; null when none does or there are too few rows to tell.
 * @param features [n × d] row-major raw values; y class indices.
 */
export function findLabelProxy(features: Float64Array, n: number, names: readonly string[], y: Int32Array, numClasses: number): { column: string; accuracy: number } | null {
  if (n < LABEL_PROXY_MIN_ROWS) return null;
  const d = names.length;
  const stride = Math.max(1, Math.floor(n / MAX_ROWS));
  const rows = Array.from({ length: Math.ceil(n / stride) }, (_, k) => k * stride).filter((i) => i < n);
  const labels = Int32Array.from(rows, (i) => y[i]);
  const column = new Float64Array(rows.length);
  for (let j = 0; j < d; j++) {
    rows.forEach((i, k) => (column[k] = features[i * d + j]));
    const accuracy = stepFunctionAccuracy(column, labels, numClasses);
    if (accuracy >= LABEL_PROXY_ACCURACY) return { column: names[j], accuracy };
  }
  return null;
}
