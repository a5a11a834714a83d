/** Number formats used in the report's tables; an em dash stands for "not measured". */

const MISSING = '—';

/** @example percent(0.8734) // '87.3%' */
export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? MISSING : `${(value * 100).toFixed(digits)}%`;
}

/** @example fixed(0.12345) // '0.123' */
export function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? MISSING : value.toFixed(digits);
}

/** @example count(50000) // '50,000' */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** Integers as they are, tiny or huge values in short exponent form (learning rates stay readable). */
function compact(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs < 1e-2 || abs >= 1e5 ? value.toExponential(2).replace('e+', 'e') : String(Number(value.toPrecision(3)));
}

/** @example hparamsText({ lr: 1.25e-4, batch_size: 35 }) // 'lr 1.25e-4 · batch_size 35' */
export function hparamsText(hparams: Record<string, number>): string {
  return Object.entries(hparams).map(([k, v]) => `${k} ${compact(v)}`).join(' · ');
}

/** @example duration(3725) // '1 h 2 min' */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
