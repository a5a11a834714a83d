import type { Preprocessing } from '#shared';

export type Standardization = Extract<Preprocessing, { type: 'standardize' }>;

/**
 * Per-feature mean and population standard deviation of [n × d] row-major raw features, for shared/src/preprocess.ts to apply
 * in the trainer and the worker alike. A constant feature gets its value as mean and std 1 (exactly, not a rounding residue).
 */
export function fitStandardization(raw: Float64Array, n: number, d: number): Standardization {
  const mean = new Array<number>(d), std = new Array<number>(d);
  for (let j = 0; j < d; j++) {
    let sum = 0, constant = true;
    for (let i = 0; i < n; i++) {
      sum += raw[i * d + j];
      constant &&= raw[i * d + j] === raw[j];
    }
    mean[j] = constant ? raw[j] : sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (raw[i * d + j] - mean[j]) ** 2;
    std[j] = constant ? 1 : Math.sqrt(squares / n);
  }
  return { type: 'standardize', mean, std };
}
