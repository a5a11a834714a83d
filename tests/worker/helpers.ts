import { env as runtimeEnv } from 'cloudflare:workers';
import { expect, inject } from 'vitest';
import { base64ToBytes } from '#shared';
import type { Env } from '../../worker/src/env.js';
import worker from '../../worker/src/index.js';
import { TEST_KEYS } from './fixture.js';

export const fixture = inject('fixture');

/** The Miniflare bindings of wrangler.toml plus the test vars (vitest.workers.config.ts), typed by `wrangler types`. */
export const env: Env = runtimeEnv;

export const SOURCES = ['r2', 'assets'] as const;

/** Puts every fixture file into the R2 bucket (the assets folder already holds the same files). */
export async function seedR2(): Promise<void> {
  await Promise.all(Object.entries(fixture.objects).map(([key, b64]) => env.BUNDLES.put(key, base64ToBytes(b64))));
}

export interface CallInit extends Omit<RequestInit, 'body'> {
  /** Sent as the JSON body. */
  json?: unknown;
  body?: BodyInit;
  /** Bearer key; the first test key unless null (no Authorization header). */
  key?: string | null;
  /** Client address the rate limiter keys on. */
  ip?: string;
}

/** A request to the worker's fetch handler, with env overrides (e.g. `{ BUNDLE_SOURCE: 'assets' }`). */
export async function call(path: string, init: CallInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const { json, key = TEST_KEYS[0], ip, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key !== null) headers.set('Authorization', `Bearer ${key}`);
  if (ip) headers.set('CF-Connecting-IP', ip);
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  const method = rest.method ?? (json !== undefined || rest.body !== undefined ? 'POST' : 'GET');
  const request = new Request(`https://worker.test${path}`, { ...rest, method, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  return worker.fetch(request, { ...env, ...overrides });
}

export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
}

/** Asserts the one error shape with `status` and `code`; returns the body. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body)).toEqual(['error']);
  return body;
}

/** Deep equality with numbers compared to within `tol`. */
export function expectClose(actual: unknown, expected: unknown, tol = 1e-5, at = '$'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, at).toBe('number');
    expect(Math.abs((actual as number) - expected), `${at}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), at).toBe(true);
    expect((actual as unknown[]).length, `${at}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, tol, `${at}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), `${at} keys`).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], e, tol, `${at}.${k}`);
  } else {
    expect(actual, at).toEqual(expected);
  }
}
