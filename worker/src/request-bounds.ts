import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { MAX_BATCH, MAX_INPUT_DIM } from '#shared';
import { bundleState } from './bundle/registry.js';
import { requireConfig, type AppEnv } from './env.js';
import { invalid, type Issue } from './errors.js';
import { firstPassIssues, isRecord, scanJsonText } from './first-pass.js';

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
const isJsonType = (header: string | undefined) => JSON_TYPE.test((header ?? '').split(';')[0].trim());

/** The body `boundedInputs` parsed, by request, for the route behind it (`requestJson`): one JSON.parse per request. */
const parsedBodies = new WeakMap<Request, { value: unknown }>();

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
 * The raw text is scanned first (`scanJsonText`), then parsed once: a route reading its body with `requestJson` gets
 * this parse (routes validated by zod-openapi parse the cached text again).
 * @param useModelField whether the body's `model` picks the bundle (the demo always runs the active model's input layout)
 */
export function boundedInputs(maxBatch = MAX_BATCH, useModelField = true): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'POST' && isJsonType(c.req.header('Content-Type'))) {
      let issues: Issue[] = [];
      let model: string | undefined;
      const text = await c.req.text(); // cached: the route's validator reads the same text
      const unbounded = scanJsonText(text, 2 * maxBatch + 16, Math.max(MAX_INPUT_DIM, maxBatch));
      if (unbounded) throw invalid('request is larger than any valid request', [unbounded]);
      try {
        const body: unknown = JSON.parse(text);
        parsedBodies.set(c.req.raw, { value: body });
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

/**
 * A route's JSON body, answered as zod-openapi's validator answers: 415 for a body that is not JSON, 400 for malformed
 * JSON, `{}` for no body at all (the schema then names what is missing). The parse `boundedInputs` made is reused.
 */
export async function requestJson(c: Context): Promise<unknown> {
  const parsed = parsedBodies.get(c.req.raw);
  if (parsed) return parsed.value;
  const type = c.req.header('Content-Type');
  if (!isJsonType(type)) {
    if (type !== undefined || (await c.req.text()).length > 0) throw new HTTPException(415, { message: 'Unsupported Media Type' });
    return {};
  }
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new HTTPException(400, { message: 'Malformed JSON in request body' });
  }
}
