/** The first pass over a request body: cheap checks, bounded work, before `JSON.parse` and before zod. */
import { MAX_INPUT_DIM, MAX_NAME_LENGTH } from '#shared';
import { MAX_ISSUES, type Issue } from './errors.js';

/** What the first pass holds a body to: batch size, and row length (exactly `dim` where the model is known). */
export interface Bounds {
  maxBatch: number;
  /** The model's `input.dim` where its bundle is loaded; else rows are only held to `MAX_INPUT_DIM`. */
  dim: number | null;
  /** Who `dim` belongs to, for the message. */
  model?: string;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A class or group reference: an index, or a name short enough that matching it costs nothing. */
const isNameOrIndex = (v: unknown) => (typeof v === 'string' ? v.length > 0 && v.length <= MAX_NAME_LENGTH : Number.isSafeInteger(v) && (v as number) >= 0);

/**
 * Issues of one batch-sized list (`labels`, `groups`): its length, and the first element that is neither a
 * non-negative integer nor a name of 1…MAX_NAME_LENGTH characters (names are resolved against the model later).
 */
function listIssues(list: unknown, field: string, maxBatch: number, issues: Issue[]): void {
  if (!Array.isArray(list)) return;
  if (list.length > maxBatch) {
    issues.push({ path: [field], message: `at most ${maxBatch} values, got ${list.length}` });
    return;
  }
  const j = list.findIndex((v) => !isNameOrIndex(v));
  if (j < 0) return;
  const v = list[j];
  const got = typeof v === 'string' ? `a string of ${v.length} characters` : typeof v === 'number' ? String(v) : kindOf(v);
  issues.push({ path: [field, j], message: `expected a non-negative integer or a name of 1 to ${MAX_NAME_LENGTH} characters, got ${got}` });
}

/**
 * The cheap first pass over a parsed request body, before the element-wise zod validation: batch sizes, each row's
 * length (the model's `input.dim` where known, else `MAX_INPUT_DIM`), and each row's first element that is not a
 * finite number. One issue per row at most, and it stops at `MAX_ISSUES`, so its work and its answer stay bounded by
 * the batch size whatever the body holds; zod then only ever sees rows of the right length holding numbers (a long
 * row of invalid elements made zod build an issue per element: hundreds of MiB, then a stack overflow). Shapes it does
 * not recognise (no `inputs` array, a row that is neither a vector nor `{features}`) are left to zod, which reports
 * them with one issue each.
 * @example firstPassIssues({ inputs: [[0, 1], [0]] }, { maxBatch: 256, dim: 2 }) // [{ path: ['inputs', 1], message: 'must have 2 values, got 1' }]
 */
export function firstPassIssues(body: unknown, bounds: Bounds): Issue[] {
  if (!isRecord(body)) return [];
  const issues: Issue[] = [];
  const { inputs } = body;
  if (Array.isArray(inputs)) {
    if (inputs.length > bounds.maxBatch) return [{ path: ['inputs'], message: `at most ${bounds.maxBatch} inputs, got ${inputs.length}` }];
    const of = bounds.model ? ` (model ${bounds.model})` : '';
    for (let i = 0; i < inputs.length && issues.length < MAX_ISSUES; i++) {
      const row = inputs[i];
      const [vector, path] = Array.isArray(row) ? [row, ['inputs', i]] : isRecord(row) && Array.isArray(row.features) ? [row.features as unknown[], ['inputs', i, 'features']] : [null, []];
      if (!vector) continue;
      if (bounds.dim !== null && vector.length !== bounds.dim) issues.push({ path, message: `must have ${bounds.dim} values${of}, got ${vector.length}` });
      else if (vector.length > MAX_INPUT_DIM) issues.push({ path, message: `at most ${MAX_INPUT_DIM} values, got ${vector.length}` });
      else {
        // JSON has no NaN, but a number too large for a double (1e999) parses to Infinity.
        const j = vector.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
        if (j >= 0) issues.push({ path: [...path, j], message: typeof vector[j] === 'number' ? `expected a finite number, got ${vector[j]}` : `expected a number, got ${kindOf(vector[j])}` });
      }
    }
  }
  listIssues(body.labels, 'labels', bounds.maxBatch, issues);
  listIssues(body.groups, 'groups', bounds.maxBatch, issues);
  return issues.slice(0, MAX_ISSUES);
}

/** Deepest nesting a request may have: `{"inputs":[{"features":[…]}]}` is 4 levels. */
export const MAX_JSON_DEPTH = 8;
/** Most keys of one object (the request schemas are strict and have at most 5). */
export const MAX_OBJECT_KEYS = 64;

/**
 * A scan of the raw JSON text before `JSON.parse`, which would otherwise build every object, array and value of a
 * 4 MiB body whatever it holds (1.4M `{}` rows: +100 MiB of isolate memory). It allocates nothing: it tracks the
 * nesting outside strings and rejects a body nested deeper than `MAX_JSON_DEPTH`, holding more than `maxContainers`
 * arrays and objects, an object of more than `MAX_OBJECT_KEYS` keys, or an array of more than `maxValues` values
 * (counted to its end, so the issue says how many).
 * What `JSON.parse` then builds is bounded by those counts and the body size (at most ~2M numbers in 4 MiB: 16 MiB).
 * Text that is not JSON may pass; `JSON.parse` then rejects it.
 */
export function scanJsonText(text: string, maxContainers: number, maxValues: number): Issue | null {
  const path: (string | number)[] = [];
  const isArray: boolean[] = [];
  const keys: number[] = [];
  let containers = 0, key = '', over = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) { // a string: skipped, kept only as the key it may be
      const start = ++i;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      if (over < 0 && !isArray[isArray.length - 1]) key = text.slice(start, Math.min(i, start + 64));
    } else if (ch === 0x5b || ch === 0x7b) { // [ {
      if (over >= 0) continue;
      if (isArray.length >= MAX_JSON_DEPTH) return { path: [...path], message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
      if (++containers > maxContainers) return { path: path.slice(0, -1), message: `a request holds at most ${maxContainers} arrays and objects` };
      isArray.push(ch === 0x5b);
      keys.push(1);
      path.push(ch === 0x5b ? 0 : '');
    } else if (ch === 0x5d || ch === 0x7d) { // ] }
      if (over === isArray.length - 1) return { path: path.slice(0, -1), message: `at most ${maxValues} values, got ${(path[over] as number) + 1}` };
      if (over < 0) {
        isArray.pop();
        keys.pop();
        path.pop();
      }
    } else if (ch === 0x2c) { // ,
      const top = isArray.length - 1;
      if (isArray[top] && (over < 0 || over === top)) {
        path[top] = (path[top] as number) + 1;
        if (over < 0 && (path[top] as number) >= maxValues) over = top;
      } else if (top >= 0 && !isArray[top] && over < 0 && ++keys[top] > MAX_OBJECT_KEYS) {
        return { path: path.slice(0, -1), message: `an object holds at most ${MAX_OBJECT_KEYS} keys` };
      }
    } else if (ch === 0x3a && over < 0 && isArray.length && !isArray[isArray.length - 1]) { // : after a key
      path[path.length - 1] = key;
    }
  }
  return null;
}

