/**
 * Exact floating-point summation (Shewchuk's non-overlapping partials, the algorithm of Python's `math.fsum`). A
 * running sum kept as partials represents the exact real sum, so sums of chunks merged in any order round to the same
 * number as one pass over all the values: what lets chunked evaluations agree with a whole one to the last bit.
 */

/** Adds x to the partials (in place): afterwards they still sum exactly to the old sum plus x. Values must be finite. */
export function addPartial(partials: number[], x: number): void {
  let i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j];
    if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  partials.length = i;
  partials.push(x);
}

/** Partials of the sum of two exact sums (neither is changed). */
export function addPartials(a: readonly number[], b: readonly number[]): number[] {
  const out = [...a];
  for (const x of b) addPartial(out, x);
  return out;
}

/** The exact sum of the partials, correctly rounded to the nearest double (ties to even), as `math.fsum` rounds it. */
export function exactTotal(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi, y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Half-way case: the rest of the partials decides which way the rounding goes.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2, x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
