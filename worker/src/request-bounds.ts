import type { MiddlewareHandler } from 'hono';
import { MAX_BATCH, MAX_INPUT_DIM } from '../../shared/src/index.js';
import { bundleState } from './bundle/registry.js';
import { requireConfig, type AppEnv } from './env.js';
import { MAX_ISSUES, invalid, type Issue } from './errors.js';

/** What the first pass holds a body to: batch size, and row length (exactly `dim` where the model is known). */
export interface Bounds {
  maxBatch: number;
  /** The model's `input.dim` where its bundle is loaded; else rows are only held to `MAX_INPUT_DIM`. */
  dim: number | null;
  /** Who `dim` belongs to, for the message. */
  model?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Issues of one batch-sized list (`labels`, `groups`): its length, and the first element that is not a non-negative integer. */
function listIssues(list: unknown, field: string, maxBatch: number, issues: Issue[]): void {
  if (!Array.isArray(list)) return;
  if (list.length > maxBatch) {
    issues.push({ path: [field], message: `at most ${maxBatch} values, got ${list.length}` });
    return;
  }
  const j = list.findIndex((v) => !Number.isSafeInteger(v) || v < 0);
  if (j >= 0) issues.push({ path: [field, j], message: `expected a non-negative integer, got ${kindOf(list[j])}` });
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

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** The `input.dim` of the model a body asks for (the active one by default), where its bundle is loaded. */
async function knownDim(c: Parameters<MiddlewareHandler<AppEnv>>[0], body: Record<string, unknown>, useModelField: boolean) {
  const config = requireConfig(c.env);
  const id = useModelField && body.model !== undefined ? body.model : config.active;
  // An id that is not configured gets its 404 (or its schema 400) from the route; rows are only held to the hard cap.
  if (typeof id !== 'string' || !config.models.some((m) => m.id === id)) return { dim: null };
  const state = await bundleState(c.env, config, id);
  return state.ok ? { dim: state.bundle.manifest.input.dim, model: id } : { dim: null };
}

/**
 * Middleware for every route whose body carries input rows (/v1/predict, /v1/evaluate, /demo/predict): runs
 * `firstPassIssues` on the parsed body and answers 400 before the route's zod validation when a bound is broken.
 * Bodies that are not JSON, or not parseable, pass through untouched: the route's validator answers those (415/400).
 * The parsed body is not kept: the validator parses the (cached) text again, so only one copy lives on.
 * @param useModelField whether the body's `model` picks the bundle (the demo always runs the active model's input layout)
 */
export function boundedInputs(maxBatch = MAX_BATCH, useModelField = true): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'POST' && JSON_TYPE.test((c.req.header('Content-Type') ?? '').split(';')[0].trim())) {
      let issues: Issue[] = [];
      let model: string | undefined;
      try {
        const body: unknown = await c.req.json();
        if (isRecord(body)) {
          const known = await knownDim(c, body, useModelField);
          model = known.model;
          issues = firstPassIssues(body, { maxBatch, ...known });
        }
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e; // malformed JSON: the validator's 400
      }
      if (issues.length) throw invalid(model ? `inputs do not fit model ${model}` : 'request does not match the schema', issues);
    }
    await next();
  };
}
