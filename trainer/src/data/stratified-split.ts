import { RandomState } from '../random.js';

/**
 * Seeded stratified split into parts with the given fractions (they need not sum to 1: they are normalised). Within each stratum
 * (ascending id) a RandomState(seed) permutation gives part j ≥ 1 round(m·f_j) examples and part 0 the rest, so a stratum of one
 * example lands in part 0. Each part's indices are returned in ascending order.
 * @example stratifiedSplit(Int32Array.of(0, 0, 1, 1, 1), [0.6, 0.4], 0) // two parts, each with examples of both strata
 */
export function stratifiedSplit(strata: Int32Array, fractions: readonly number[], seed: number): Int32Array[] {
  const total = fractions.reduce((s, f) => s + f, 0);
  const members = new Map<number, number[]>();
  strata.forEach((s, i) => {
    if (!members.has(s)) members.set(s, []);
    members.get(s)!.push(i);
  });
  const rng = new RandomState(seed);
  const parts: number[][] = fractions.map(() => []);
  for (const stratum of [...members.keys()].sort((a, b) => a - b)) {
    const indices = members.get(stratum)!;
    const order = rng.permutation(indices.length);
    let at = 0;
    for (let j = 1; j < fractions.length; j++) {
      const count = Math.min(Math.round((indices.length * fractions[j]) / total), indices.length - at);
      for (let k = 0; k < count; k++) parts[j].push(indices[order[at++]]);
    }
    while (at < indices.length) parts[0].push(indices[order[at++]]);
  }
  return parts.map((p) => Int32Array.from(p).sort());
}
