/**
 * The API client against a tiny node:http stand-in: 429 with Retry-After, 503 and a dropped connection are retried
 * (waiting at least what Retry-After asks), other errors are not; batches stay under the server's row and byte
 * limits; at most `concurrency` requests are in flight and answers come back in input order.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { batches, serverLimits } from '../../client/src/batches.js';
import { ApiCallError, MatEdgeClient } from '../../client/src/client.js';
import { backoffMs, retryAfterMs, type RetryEvent } from '../../client/src/retry.js';
import { MAX_BATCH, MAX_BODY_BYTES, type Prediction } from '#shared';

const prediction = (label: number): Prediction => ({
  label, class_name: `c${label}`, probabilities: [0.5, 0.5],
  memorization: { score: 0.1, member: false, estimator: 'neighbours', percentile: 0.2, twin_disagreement: 0 },
  spurious: {
    shortcut_label: 0, shortcut_class_name: 'c0', shortcut_confidence: 0.5, conflict: false, reliance: 0, percentile: 0,
    slice_accuracy: null, intervention: null, counterfactual_change: null, flip: null, flip_probability: null,
  },
});

let server: Server | null = null;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A stand-in answering request k (0-based) with `answer(k, body)`. */
async function standIn(answer: (k: number, body: { inputs: number[][] }, req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<string> {
  let k = 0;
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => void answer(k++, JSON.parse(text || '{}'), req, res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

function ok(res: ServerResponse, body: { inputs: number[][] }) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ model: { id: 'm', version: '1' }, predictions: body.inputs.map((x) => prediction(x[0])) }));
}

describe('MatEdgeClient retries', () => {
  it('retries 429 (honouring Retry-After), 503 and a dropped connection, then answers', async () => {
    const url = await standIn((k, body, req, res) => {
      if (k === 0) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }));
      } else if (k === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'bundle_unavailable', message: 'loading' } }));
      } else if (k === 2) req.socket.destroy();
      else ok(res, body);
    });
    const events: RetryEvent[] = [];
    const client = new MatEdgeClient({ url, key: 'k', retry: { baseMs: 20 }, onRetry: (e) => events.push(e) });
    const started = Date.now();
    const r = await client.predict({ inputs: [[1, 0]] });
    expect(r.predictions[0].label).toBe(1);
    expect(events.map((e) => e.status)).toEqual([429, 503, null]);
    expect(events[0].waitMs).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(client.retries).toBe(3);
  });

  it('gives up after the last retry with the server\'s error, and never retries a 400', async () => {
    const url = await standIn((k, _body, _req, res) => {
      const status = k < 10 ? 503 : 400;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: status === 503 ? 'bundle_unavailable' : 'invalid_request', message: 'no', issues: [{ path: ['inputs', 0], message: 'bad' }] } }));
    });
    const client = new MatEdgeClient({ url, retry: { retries: 2, baseMs: 1 } });
    await expect(client.predict({ inputs: [[0]] })).rejects.toThrow(/HTTP 503 bundle_unavailable/);
    expect(client.retries).toBe(2);
    const later = new MatEdgeClient({ url, retry: { retries: 2, baseMs: 1 } });
    await later.predict({ inputs: [[0]] }).catch(() => {}); // the 4th … 9th answers are 503s
    await later.predict({ inputs: [[0]] }).catch(() => {});
    const err = await later.predict({ inputs: [[0]] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).status).toBe(400);
    expect((err as Error).message).toContain('inputs.0: bad');
  });

  it('Retry-After as seconds or an HTTP date; full-jitter backoff capped at maxMs, a longer Retry-After honoured', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(null)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
    const policy = { retries: 5, baseMs: 100, maxMs: 1000 };
    expect(backoffMs(3, null, policy, () => 0.999)).toBeCloseTo(799.2, 6);
    expect(backoffMs(10, null, policy, () => 0.999)).toBe(999);
    expect(backoffMs(0, 5000, policy, () => 0)).toBe(5000);
    expect(backoffMs(0, 300, policy, () => 0)).toBe(300);
  });
});

describe('MatEdgeClient streams', () => {
  it('batches under the row and byte limits, in input order, at most `concurrency` in flight', async () => {
    let inFlight = 0, most = 0;
    const sizes: number[] = [];
    const url = await standIn(async (_k, body, req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      sizes.push(Number(req.headers['content-length']));
      // The first request waits (up to 2 s) for a second to arrive: on a loaded machine the client's JSON encoding of
      // a 4 MiB body can outlast a short server delay, and `most > 1` must not depend on timing.
      for (const until = Date.now() + 2000; most < 2 && Date.now() < until;) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      inFlight--;
      ok(res, body);
    });
    const client = new MatEdgeClient({ url });
    // Rows tagged by their index in the first value; 1536 long values make bodies hit the byte limit before 256 rows.
    const rows = Array.from({ length: 600 }, (_, i) => ({ input: [i, ...Array.from({ length: 1535 }, () => 0.123456789012345)] }));
    const seen: number[] = [];
    for await (const { item, result } of client.predictStream(rows, { concurrency: 3 })) {
      expect(result.predictions.length).toBe(item.rows.length);
      seen.push(...result.predictions.map((p) => p.label));
      expect(item.offset).toBe(seen.length - item.rows.length);
    }
    expect(seen).toEqual(rows.map((_, i) => i));
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(sizes.length).toBeGreaterThan(Math.ceil(600 / MAX_BATCH));
  });

  it('a row too large for any body is an error naming it; batch sizes are checked', async () => {
    const huge = [{ input: [0] }, { input: Array.from({ length: 300_000 }, () => 0.123456789012345) }];
    const run = async () => {
      for await (const _ of batches(huge, serverLimits())) { /* drain */ }
    };
    await expect(run()).rejects.toThrow(/row 1 is \d+ bytes/);
    expect(() => serverLimits(MAX_BATCH + 1)).toThrow(/\[1, 256\]/);
  });
});
