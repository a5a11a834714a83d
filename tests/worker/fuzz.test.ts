import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../../worker/src/index.js';
import { TEST_KEYS } from './fixture.js';
import { countsTable, runFuzz, type FuzzCase } from './fuzz-cases.js';
import { env, fixture, seedR2 } from './helpers.js';

beforeAll(seedR2);

/** Only the good bundles: with no broken bundle configured, any 5xx is the worker's fault. */
const GOOD = { MODELS: 'fixture-mat,fixture-erm', ACTIVE_MODEL: 'fixture-mat' };
const ctx = { dim: fixture.dim, good: fixture.expected.inputs[0], key: TEST_KEYS[0], models: ['fixture-mat', 'fixture-erm'] };

async function send(c: FuzzCase) {
  const res = await worker.fetch(new Request(`https://worker.test${c.path}`, { method: c.method, headers: c.headers, body: c.body }), { ...env, ...GOOD });
  return { status: res.status, text: await res.text() };
}

const validRequest: FuzzCase = {
  family: 'valid', method: 'POST', path: '/v1/predict',
  headers: { Authorization: `Bearer ${TEST_KEYS[0]}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ inputs: fixture.expected.inputs, explain: true }),
};

describe('seeded fuzz slice (npm run fuzz runs the full one)', () => {
  it('1,000 cases over every route: no 5xx, every error in the one shape, the valid answer unchanged', async () => {
    const before = await send(validRequest);
    expect(before.status).toBe(200);
    const result = await runFuzz(ctx, 1_000, 20261201, send);
    console.log(`fuzz slice: ${result.cases} cases\n${countsTable(result.counts)}`);
    expect(result.breaches).toEqual([]);
    expect(result.cases).toBe(1_000);
    // Every route was reached, and both answers and refusals were seen.
    expect([...result.counts.keys()].sort()).toEqual(['/', '/demo/predict', '/demo/samples', '/healthz', '/openapi.json', '/v1/evaluate', '/v1/models', '/v1/models/:id', '/v1/predict']);
    const statuses = new Set([...result.counts.values()].flatMap((m) => [...m.keys()]));
    for (const s of [200, 400, 401, 403, 404, 413, 415]) expect(statuses, `status ${s} seen`).toContain(s);
    expect(await send(validRequest)).toEqual(before);
  }, 600_000);
});
