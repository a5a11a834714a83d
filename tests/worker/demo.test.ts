import { beforeAll, describe, expect, it } from 'vitest';
import { PredictResponse, base64ToBytes } from '../../shared/src/index.js';
import { call, expectError, fixture, seedR2 } from './helpers.js';

beforeAll(seedR2);

const inputs = fixture.expected.inputs.slice(0, 2);
let ip = 0;
/** A fresh client address per call keeps these tests clear of the demo's rate limit. */
const demo = (init: object = {}) => ({ key: null, ip: `10.5.0.${++ip}`, ...init });

describe('GET /', () => {
  it('serves the self-contained demo page with a nonce CSP and the models to compare', async () => {
    const res = await call('/', demo());
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    const csp = res.headers.get('Content-Security-Policy')!;
    const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)![1];
    const html = await res.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const config = JSON.parse(/<script type="application\/json" id="demo-config">(.*?)<\/script>/s.exec(html)![1]);
    expect(config.active).toBe('fixture-mat');
    expect(config.models.map((m: { id: string; ok: boolean }) => [m.id, m.ok])).toEqual([['fixture-mat', true], ['fixture-erm', true], ['fixture-corrupt', false]]);
    expect(config.models[0]).toMatchObject({ algorithm: 'mat', classNames: ['digit ≥ 5', 'digit < 5'], input: { kind: 'image', channels: 2, height: 14, width: 14 } });
  });

  it('still renders, saying why, when no model can be served', async () => {
    const res = await call('/', demo(), { MODELS: 'fixture-missing', ACTIVE_MODEL: 'fixture-missing' });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('no valid bundle is loaded');
    expect(page).not.toContain('manifest.json'); // the refusal reason is the operator's (GET /v1/models/:id)
  });
});

describe('GET /demo/samples', () => {
  it('returns the active bundle\'s labelled test inputs', async () => {
    const body = await (await call('/demo/samples', demo())).json() as { model: string; items: { id: number; label: number; class_name: string; group: string | null; input: number[] }[] };
    expect(body.model).toBe('fixture-mat');
    expect(body.items).toHaveLength(12);
    expect(body.items[0].input).toEqual(fixture.expected.inputs[0]);
    expect(body.items[0].class_name).toBe(['digit ≥ 5', 'digit < 5'][body.items[0].label]);
    expect(body.items[0].group).toMatch(/^digit [≥<] 5 · (red|green)$/);
  });
});

describe('POST /demo/predict', () => {
  it('runs every demo model on the inputs, as /v1/predict would, with exemplar pixels', async () => {
    const res = await call('/demo/predict', demo({ json: { inputs } }));
    expect(res.status).toBe(200);
    const body = await res.json() as { models: { id: string; algorithm: string; predictions: unknown[]; exemplar_pixels: Record<string, string> }[]; unavailable: { id: string; reason: string }[] };
    expect(body.models.map((m) => [m.id, m.algorithm])).toEqual([['fixture-mat', 'mat'], ['fixture-erm', 'erm']]);
    expect(body.unavailable.map((u) => u.id)).toEqual(['fixture-corrupt']);
    for (const m of body.models) {
      const api = PredictResponse.parse(await (await call('/v1/predict', { json: { model: m.id, inputs, explain: true } })).json());
      expect(m.predictions).toEqual(api.predictions);
      const ids = api.predictions.flatMap((p) => p.memorization.nearest!.map((n) => String(n.id)));
      expect(Object.keys(m.exemplar_pixels).sort()).toEqual([...new Set(ids)].sort());
      for (const b64 of Object.values(m.exemplar_pixels)) expect(base64ToBytes(b64)).toHaveLength(fixture.dim);
    }
  });

  it('validates like the API', async () => {
    const res = await call('/demo/predict', demo({ json: { inputs: [inputs[0].slice(2)] } }));
    expect((await expectError(res, 400, 'invalid_request')).error.issues![0].path).toEqual(['inputs', 0]);
    await expectError(await call('/demo/predict', demo({ json: { inputs: [inputs[0], inputs[0], inputs[0], inputs[0], inputs[0]] } })), 400, 'invalid_request');
  });
});
