import { ApiError, invalid } from './errors.js';

/**
 * Above this magnitude a (preprocessed) model input is outside anything a model was trained on: a non-finite answer
 * for such a row is the input's fault (400), for a row inside it the bundle's (503).
 */
export const INPUT_MAGNITUDE_LIMIT = 1e6;

/** Path of the first number inside `value` that is NaN or ±Infinity, or null when every number is finite. */
export function nonFinitePath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (typeof value !== 'object' || value === null) return null;
  if (value instanceof Float32Array) {
    const j = value.findIndex((v) => !Number.isFinite(v));
    return j < 0 ? null : [...path, j];
  }
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinitePath(v, [...path, Array.isArray(value) ? Number(k) : k]);
    if (found) return found;
  }
  return null;
}

/**
 * Whether every number inside `value` is finite: `nonFinitePath`'s answer without building a path or an entry list
 * per object (on a batch of 256 predictions that walk cost ~50 µs an input; this one a few).
 */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const list = value as ArrayLike<unknown>;
    for (let i = 0; i < list.length; i++) if (!allFinite(list[i])) return false;
    return true;
  }
  for (const key of Object.keys(value)) if (!allFinite((value as Record<string, unknown>)[key])) return false;
  return true;
}

/**
 * Finite answers only (JSON would carry NaN and Infinity as null): throws unless every number of every row (the model's
 * outputs for it, then its prediction) is finite. Row i's non-finite answer is a 400 naming `["inputs", i]` when its model input `x` (preprocessed) holds a
 * value beyond `INPUT_MAGNITUDE_LIMIT` (e.g. 1e38 features overflowing float32 in the first layer), else a 503: the
 * bundle itself produces non-finite outputs on an ordinary input.
 */
export function requireFinite(rows: readonly unknown[], x: Float32Array, dim: number, model: string): void {
  rows.forEach((p, i) => {
    if (allFinite(p)) return;
    const at = nonFinitePath(p)!;
    const row = x.subarray(i * dim, (i + 1) * dim);
    const largest = row.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : Infinity), 0);
    if (largest > INPUT_MAGNITUDE_LIMIT) {
      throw invalid(`input ${i} is out of the range of model ${model}`, [{
        path: ['inputs', i],
        message: `the model's answer is not finite for this input: its values reach ${largest} after preprocessing (limit ${INPUT_MAGNITUDE_LIMIT})`,
      }]);
    }
    console.error(`model ${model} produced a non-finite ${at.join('.')} for an in-range input`);
    throw new ApiError(503, 'bundle_unavailable', `model "${model}" is unavailable: it produced a non-finite answer`);
  });
}
