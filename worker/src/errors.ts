import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ErrorResponse } from '#shared';

type ErrorCode = ErrorResponse['error']['code'];
export type Issue = { path: (string | number)[]; message: string };

/** At most this many issues go back to the caller (a batch of 256 bad rows must not answer with 100k issues). */
export const MAX_ISSUES = 20;

/** An error that maps to the one JSON error shape; thrown anywhere in a request, answered by `onError`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: Issue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const invalid = (message: string, issues?: Issue[]) => new ApiError(400, 'invalid_request', message, issues);

/**
 * zod issues → `{path, message}`. A union (e.g. an input row that is neither a vector nor `{features}`) reports the
 * branch the value was meant for, so `[1, "a"]` names `["inputs", 0, 1]` instead of only `["inputs", 0]`.
 * @example zodIssues(PredictRequest.safeParse({ inputs: [] }).error.issues) // [{ path: ['inputs'], message: 'Too small: …' }]
 */
export function zodIssues(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = [], out: Issue[] = []): Issue[] {
  // Built up to MAX_ISSUES and no further (the first pass keeps zod's own list short; this keeps ours bounded too).
  for (const issue of issues) {
    if (out.length >= MAX_ISSUES) break;
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const matched = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0 || i.code !== 'invalid_type'));
      if (matched) {
        zodIssues(matched, path, out);
        continue;
      }
    }
    // An unknown key names itself in the path (`["explian"]`), not only in the message.
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys.slice(0, MAX_ISSUES - out.length)) out.push({ path: [...path, key], message: `unknown key "${key}"` });
    else out.push({ path, message: issue.message });
  }
  return out;
}

export function errorBody(code: ErrorCode, message: string, issues?: Issue[]): ErrorResponse {
  return { error: { code, message, ...(issues?.length ? { issues: issues.slice(0, MAX_ISSUES) } : {}) } };
}

/** Hono `onError`: known errors keep their status; anything else is a bug, logged and answered as a bare 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.issues), err.status, err.headers);
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    // Hono's own 4xx: malformed JSON (400), a body that is not JSON (415).
    if (status < 500) return c.json(errorBody(status === 413 ? 'payload_too_large' : 'invalid_request', err.message || 'invalid request'), status);
  }
  console.error(`internal error on ${c.req.method} ${new URL(c.req.url).pathname}:`, err instanceof Error ? err.stack ?? err.message : String(err));
  return c.json(errorBody('internal', 'internal error'), 500);
}

export function notFound(c: Context): Response {
  return c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
}

/** Validation hook for every zod-openapi route: one 400 shape with the issue paths. */
export function validationHook(result: { success: true } | { success: false; error: z.ZodError }, c: Context): Response | undefined {
  if (!result.success) return c.json(errorBody('invalid_request', 'request does not match the schema', zodIssues(result.error.issues)), 400);
  return undefined;
}
