import { beforeAll, describe, expect, it } from 'vitest';
import { call, expectError, fixture, seedR2 } from './helpers.js';
import { TEST_DEMO_ORIGIN, TEST_KEYS } from './fixture.js';

beforeAll(seedR2);

const predict = { json: { inputs: [fixture.expected.inputs[0]] } };
const protectedRoutes: [string, object][] = [
  ['/v1/predict', predict],
  ['/v1/evaluate', { json: { inputs: [fixture.expected.inputs[0]], labels: [0] } }],
  ['/v1/models', {}],
  ['/v1/models/fixture-mat', {}],
];

describe('API keys (Authorization: Bearer, API_KEYS secret)', () => {
  it.each(protectedRoutes)('%s: 401 without a key, 403 with a wrong one, 200 with each configured key', async (route, init) => {
    const missing = await call(route, { ...init, key: null });
    await expectError(missing, 401, 'unauthorized');
    expect(missing.headers.get('WWW-Authenticate')).toBe('Bearer');
    await expectError(await call(route, { ...init, key: null, headers: { Authorization: `Basic ${btoa('user:pass')}` } }), 401, 'unauthorized');
    await expectError(await call(route, { ...init, key: 'not-a-key' }), 403, 'forbidden');
    await expectError(await call(route, { ...init, key: `${TEST_KEYS[0]}x` }), 403, 'forbidden');
    for (const key of TEST_KEYS) expect((await call(route, { ...init, key })).status).toBe(200);
  });

  it('a key accepted before is refused once the secret no longer lists it (rotation)', async () => {
    expect((await call('/v1/models', { key: TEST_KEYS[0] })).status).toBe(200);
    expect((await call('/v1/models', { key: TEST_KEYS[0] })).status).toBe(200);
    await expectError(await call('/v1/models', { key: TEST_KEYS[0] }, { API_KEYS: TEST_KEYS.slice(1).join(',') }), 403, 'forbidden');
    expect((await call('/v1/models', { key: TEST_KEYS[1] }, { API_KEYS: TEST_KEYS.slice(1).join(',') })).status).toBe(200);
    expect((await call('/v1/models', { key: TEST_KEYS[0] })).status).toBe(200);
  });

  it('no key is accepted when the secret is empty or unset', async () => {
    await expectError(await call('/v1/models', {}, { API_KEYS: '' }), 403, 'forbidden');
    await expectError(await call('/v1/models', {}, { API_KEYS: undefined }), 403, 'forbidden');
  });

  it('the key is checked before the body, and never echoed', async () => {
    const secretish = 'sk-live-0123456789abcdef';
    const res = await call('/v1/predict', { json: { inputs: [] }, key: secretish });
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(text).not.toContain(secretish);
    for (const route of ['/healthz', '/openapi.json', '/', '/v1/models']) {
      const body = await (await call(route)).text();
      for (const key of TEST_KEYS) expect(body).not.toContain(key);
    }
  });

  it('public routes need no key', async () => {
    for (const route of ['/healthz', '/openapi.json', '/', '/demo/samples']) expect((await call(route, { key: null, ip: '10.1.0.1' })).status).toBe(200);
  });
});

describe('public demo: rate limit (Workers rate-limiting binding) and CORS', () => {
  it('answers 429 in the error shape once a client exceeds the limit, other clients unaffected', async () => {
    const demo = { json: { inputs: [fixture.expected.inputs[0]] }, key: null, ip: '10.2.0.1' };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('/demo/predict', demo)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const limited = await call('/demo/predict', demo);
    await expectError(limited, 429, 'rate_limited');
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect((await call('/demo/predict', { ...demo, ip: '10.2.0.2' })).status).toBe(200);
  });

  it('allows the demo origin only', async () => {
    const preflight = (origin: string) => call('/demo/predict', {
      method: 'OPTIONS', key: null, ip: '10.3.0.1',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    const allowed = await preflight(TEST_DEMO_ORIGIN);
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe(TEST_DEMO_ORIGIN);
    expect(allowed.headers.get('Access-Control-Allow-Methods')).toContain('POST');
    expect((await preflight('https://evil.example')).headers.get('Access-Control-Allow-Origin')).toBeNull();
    const get = await call('/demo/samples', { key: null, ip: '10.3.0.2', headers: { Origin: TEST_DEMO_ORIGIN } });
    expect(get.headers.get('Access-Control-Allow-Origin')).toBe(TEST_DEMO_ORIGIN);
    const api = await call('/v1/models', { headers: { Origin: TEST_DEMO_ORIGIN } });
    expect(api.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
