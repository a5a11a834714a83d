import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorResponse, MAX_BATCH, MAX_BODY_BYTES } from '#shared';
import { call, expectError, fixture, seedR2 } from './helpers.js';

beforeAll(seedR2);

const D = fixture.dim;
const good = fixture.expected.inputs[0];

async function issuesOf(res: Response) {
  const body = await expectError(res, 400, 'invalid_request');
  return body.error.issues ?? [];
}

describe('400 names the offending path', () => {
  it('wrong input length', async () => {
    const issues = await issuesOf(await call('/v1/predict', { json: { inputs: [good, good.slice(1)] } }));
    expect(issues).toEqual([{ path: ['inputs', 1], message: expect.stringContaining(`${D} values`) }]);
  });

  it('wrong {features} length', async () => {
    const issues = await issuesOf(await call('/v1/predict', { json: { inputs: [{ features: [0.5] }] } }));
    expect(issues[0].path).toEqual(['inputs', 0, 'features']);
  });

  it('Infinity (a JSON number too large for a double)', async () => {
    const body = `{"inputs":[[1e999${',0'.repeat(D - 1)}]]}`;
    const issues = await issuesOf(await call('/v1/predict', { body, headers: { 'Content-Type': 'application/json' } }));
    expect(issues[0].path).toEqual(['inputs', 0, 0]);
  });

  it('NaN (not JSON at all)', async () => {
    const res = await call('/v1/predict', { body: '{"inputs":[[NaN]]}', headers: { 'Content-Type': 'application/json' } });
    expect((await expectError(res, 400, 'invalid_request')).error.message).toMatch(/JSON/);
  });

  it('non-numbers inside a vector', async () => {
    const row = [...good];
    row[7] = 'dark' as unknown as number;
    const issues = await issuesOf(await call('/v1/predict', { json: { inputs: [good, row] } }));
    expect(issues[0].path).toEqual(['inputs', 1, 7]);
  });

  it('a row that is neither a vector nor {features}', async () => {
    const issues = await issuesOf(await call('/v1/predict', { json: { inputs: ['seven'] } }));
    expect(issues[0].path).toEqual(['inputs', 0]);
  });

  it('empty batch, empty vector, oversized batch', async () => {
    expect((await issuesOf(await call('/v1/predict', { json: { inputs: [] } })))[0].path).toEqual(['inputs']);
    expect((await issuesOf(await call('/v1/predict', { json: { inputs: [[]] } })))[0].path).toEqual(['inputs', 0]);
    const tooMany = Array.from({ length: MAX_BATCH + 1 }, () => [0]);
    expect((await issuesOf(await call('/v1/predict', { json: { inputs: tooMany } })))[0].path).toEqual(['inputs']);
  });

  it('pixels outside the manifest range', async () => {
    const row = [...good];
    row[3] = 255;
    const issues = await issuesOf(await call('/v1/predict', { json: { inputs: [row] } }));
    expect(issues[0]).toEqual({ path: ['inputs', 0, 3], message: expect.stringContaining('[0, 1]') });
  });

  it('a body that is missing, malformed or of the wrong type', async () => {
    expect((await issuesOf(await call('/v1/predict', { method: 'POST' })))[0].path).toEqual(['inputs']);
    await expectError(await call('/v1/predict', { body: '{"inputs": [[0.1', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_request');
    expect((await issuesOf(await call('/v1/predict', { json: { inputs: [good], explain: 'yes' } })))[0].path).toEqual(['explain']);
    expect((await issuesOf(await call('/v1/predict', { json: { model: 'Not A Model!', inputs: [good] } })))[0].path).toEqual(['model']);
    await expectError(await call('/v1/predict', { body: 'inputs=1', headers: { 'Content-Type': 'text/plain' } }), 415, 'invalid_request');
  });

  it('evaluate: labels and groups must match the inputs and the model', async () => {
    const inputs = [good, good];
    expect((await issuesOf(await call('/v1/evaluate', { json: { inputs, labels: [0] } })))[0].path).toEqual(['labels']);
    expect((await issuesOf(await call('/v1/evaluate', { json: { inputs, labels: [0, 1], groups: [0] } })))[0].path).toEqual(['groups']);
    expect((await issuesOf(await call('/v1/evaluate', { json: { inputs, labels: [0, 2] } })))[0].path).toEqual(['labels', 1]);
    expect((await issuesOf(await call('/v1/evaluate', { json: { inputs, labels: [0, 1], groups: [0, 4] } })))[0].path).toEqual(['groups', 1]);
    expect((await issuesOf(await call('/v1/evaluate', { json: { inputs, labels: [0, 1], thresholds: { reliance: 2 } } })))[0].path).toEqual(['thresholds', 'reliance']);
  });
});

describe('other error codes', () => {
  it('413 for a body over the limit, declared or streamed', async () => {
    const big = 'x'.repeat(MAX_BODY_BYTES + 1);
    await expectError(await call('/v1/predict', { body: big, headers: { 'Content-Type': 'application/json' } }), 413, 'payload_too_large');
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(MAX_BODY_BYTES / 4)));
        controller.close();
      },
    });
    await expectError(await call('/demo/predict', { body: stream, headers: { 'Content-Type': 'application/json' }, key: null }), 413, 'payload_too_large');
  });

  it('404 for an unknown model or route', async () => {
    await expectError(await call('/v1/predict', { json: { model: 'no-such-model', inputs: [good] } }), 404, 'not_found');
    await expectError(await call('/v1/models/no-such-model'), 404, 'not_found');
    await expectError(await call('/v2/predict', { json: {} }), 404, 'not_found');
  });
});

describe('no bad input ever yields a 500', () => {
  const routes = ['/v1/predict', '/v1/evaluate', '/demo/predict'];
  const vector = fc.array(fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null)), { maxLength: D + 2 });
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record({ inputs: fc.array(fc.oneof(vector, fc.record({ features: vector }), fc.jsonValue()), { maxLength: 4 }) }, { requiredKeys: [] }),
    fc.record({
      model: fc.oneof(fc.constant('fixture-mat'), fc.constant('fixture-corrupt'), fc.string()),
      inputs: fc.array(fc.constant(good), { minLength: 1, maxLength: 3 }),
      labels: fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 4 }),
      groups: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }),
      explain: fc.jsonValue(),
    }, { requiredKeys: [] }),
  );

  it('random JSON bodies get 200 or a 4xx/503 in the one error shape', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), body, fc.integer({ min: 0, max: 1e6 }), async (route, json, ip) => {
      const res = await call(route, { json, ip: `10.0.${ip % 250}.${ip % 7}` });
      expect(res.status).not.toBe(500);
      if (res.status !== 200) expect(ErrorResponse.safeParse(await res.json()).success).toBe(true);
    }), { numRuns: 150 });
  });

  it('random bytes as a body', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), fc.uint8Array({ maxLength: 200 }), async (route, bytes) => {
      const res = await call(route, { body: bytes, headers: { 'Content-Type': 'application/json' }, ip: '10.9.9.9' });
      expect([400, 429]).toContain(res.status);
    }), { numRuns: 60 });
  });
});
