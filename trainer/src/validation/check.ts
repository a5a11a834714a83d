import type { ValidationCheck } from '../report/data.js';

export type { ValidationCheck };

/** A check with a numeric target "≥ min" (NaN values fail and are reported as null). */
export function atLeast(check: string, model: string, metric: string, value: number, min: number): ValidationCheck {
  const finite = Number.isFinite(value);
  return { check, model, metric, value: finite ? value : null, target: `≥ ${min}`, pass: finite ? value >= min : false };
}

/** A comparison "a > b" reported as the difference a − b. */
export function greater(check: string, model: string, metric: string, a: number, b: number, target: string): ValidationCheck {
  const d = a - b;
  const finite = Number.isFinite(d);
  return { check, model, metric, value: finite ? d : null, target, pass: finite ? d > 0 : false };
}

/** A number shown for context, with no target. */
export function info(check: string, model: string, metric: string, value: number): ValidationCheck {
  return { check, model, metric, value: Number.isFinite(value) ? value : null, target: '—', pass: null };
}
