import { z } from 'zod';
import { DataValidationError, type DataLocation } from './errors.js';
import type { Cell } from './raw-table.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/**
 * DECIMAL.test(text), scanned by hand: it runs once per feature cell of a CSV, where the regex costs ~3× more. No
 * closures inside: tsx wraps each in a naming helper, which cost more than the scan itself.
 */
function isDecimal(text: string): boolean {
  const n = text.length;
  let i = 0, digits = 0, c = text.charCodeAt(0);
  if (c === 43 || c === 45) c = text.charCodeAt(++i); // + -
  while (c >= 48 && c <= 57) (digits++, c = text.charCodeAt(++i));
  if (c === 46) { // .
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) (digits++, c = text.charCodeAt(++i));
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) { // e E
    c = text.charCodeAt(++i);
    if (c === 43 || c === 45) c = text.charCodeAt(++i);
    if (!(c >= 48 && c <= 57)) return false;
    while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
  }
  return i === n;
}

function show(value: Cell): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * The number a feature cell holds (a JSON number or decimal text), or why it holds none (empty, non-numeric, non-finite).
 * A plain function rather than a zod schema because it runs once per cell, where a schema call costs ~10× more.
 */
export function readFeature(value: Cell): number | string {
  const text = typeof value === 'string' ? value.trim() : null;
  if (value === null || text === '') return 'is empty (missing values are not supported)';
  const n = typeof value === 'number' ? value : text !== null && isDecimal(text) ? Number(text) : NaN;
  if (Number.isFinite(n)) return n;
  const nonFinite = typeof value === 'number' || (text !== null && (DECIMAL.test(text) || NON_FINITE.test(text)));
  return `${show(value)} is not ${nonFinite ? 'a finite number' : 'a number'}`;
}

/** A category (label, group or attribute value): non-empty text, an integer or a boolean, kept as its text. */
export const CategoryValue = z.custom<Cell>().transform((value, ctx): string => {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'boolean' || Number.isInteger(value) ? String(value) : '';
  if (text === '') ctx.addIssue({ code: 'custom', message: `${show(value)} is not a category (expected non-empty text or an integer)` });
  return text;
});

/** Parses a category cell, turning a schema issue into an error that names the file, row and column. */
export function parseCategory(value: Cell, at: Required<DataLocation>): string {
  const result = CategoryValue.safeParse(value);
  if (!result.success) throw new DataValidationError(at, result.error.issues[0].message);
  return result.data;
}
