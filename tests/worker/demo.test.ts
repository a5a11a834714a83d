import { beforeAll, describe, expect, it } from 'vitest';
import { ModelDetailResponse, PredictResponse, base64ToBytes, type Prediction } from '#shared';
import {
  FEATURE_CLASS_NAMES, FEATURE_GROUP_NAMES, FEATURE_INTERVENTION, FEATURE_NAMES,
} from '../fixtures/bundle/names.js';
import { call, env, expectError, fixture, seedR2 } from './helpers.js';

const inputs = fixture.expected.inputs.slice(0, 2);
const memberAt = fixture.expected.member.indexOf(true);
let ip = 0;
/** A fresh client address per call keeps these tests clear of the demo's rate limit. */
const demo = (init: object = {}) => ({ key: null, ip: `10.5.0.${++ip}`, ...init });
const only = (id: string) => ({ MODELS: id, ACTIVE_MODEL: id });

/** What the public must never read: storage paths, hashes, runtime messages. */
const INTERNALS = /sha256|manifest\.json|model\.onnx|memorization\.json|onnxruntime|does not match|not found|worker configuration/i;

/**
 * Copies of fixture-mat that do not publish their data: one that says so in its manifest, one from before the field
 * existed whose data is the user's own (csv), which reads as unpublished.
 */
async function seedUnpublished(): Promise<void> {
  const variants: Record<string, [string, (m: Record<string, unknown>) => object]> = {
    'fixture-private': ['fixture-mat', (m) => ({ ...m, publish: { samples: false, exemplars: false } })],
    'fixture-userdata': ['fixture-mat', (m) => ({ ...m, dataset: { ...(m.dataset as object), name: 'csv:patients.csv' } })],
    'fixture-features-private': ['fixture-features', (m) => ({ ...m, publish: { samples: false, exemplars: false } })],
    // No declared shortcut: no shortcut column, no intervention.
    'fixture-features-plain': ['fixture-features', (m) => ({
      ...m, dataset: { ...(m.dataset as object), columns: { label: 'decision' } }, intervention: undefined,
    })],
  };
  for (const [id, [from, edit]] of Object.entries(variants)) {
    for (const [key, b64] of Object.entries(fixture.objects).filter(([k]) => k.startsWith(`${from}/`))) {
      const name = key.slice(from.length + 1);
      let bytes = base64ToBytes(b64);
      if (name === 'manifest.json') {
        const manifest = JSON.parse(new TextDecoder().decode(bytes));
        bytes = new TextEncoder().encode(JSON.stringify(edit({ ...manifest, model: { ...manifest.model, id } })));
      }
      await env.BUNDLES.put(`${id}/${name}`, bytes);
    }
  }
}

beforeAll(async () => {
  await seedR2();
  await seedUnpublished();
});

interface DemoBody {
  models: { id: string; algorithm: string; predictions: (Omit<Prediction, 'memorization'> & { memorization: Record<string, unknown> })[]; exemplar_pixels: Record<string, string> }[];
  unavailable: { id: string; reason: string }[];
}

const apiPredict = async (model: string, rows: number[][]) =>
  PredictResponse.parse(await (await call('/v1/predict', { json: { model, inputs: rows, explain: true } })).json());

describe('GET /', () => {
  it('serves the self-contained demo page with a nonce CSP and the models to compare', async () => {
    const res = await call('/', demo());
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    const csp = res.headers.get('Content-Security-Policy')!;
    const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)![1];
    const html = await res.text();
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    // Exactly one script runs (under the nonce), and it is the bundled client, not an empty shell.
    expect(html.match(/<script(?! type="application\/json")[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
    expect(html.match(/<style[^>]*>/g)).toEqual([`<style nonce="${nonce}">`]);
    expect(/<script nonce="[0-9a-f]+">([\s\S]*?)<\/script>/.exec(html)![1].length).toBeGreaterThan(5000);
    expect(csp).toContain("default-src 'none'");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const config = JSON.parse(/<script type="application\/json" id="demo-config">(.*?)<\/script>/s.exec(html)![1]);
    expect(config.active).toBe('fixture-mat');
    expect(config.models.map((m: { id: string; ok: boolean }) => [m.id, m.ok])).toEqual([['fixture-mat', true], ['fixture-erm', true], ['fixture-corrupt', false]]);
    expect(config.models[0]).toMatchObject({ algorithm: 'mat', classNames: ['digit ≥ 5', 'digit < 5'], input: { kind: 'image', channels: 2, height: 14, width: 14 } });
    expect(config.models[2]).toEqual({ id: 'fixture-corrupt', ok: false, reason: 'not being served right now' });
    expect(html).not.toMatch(INTERNALS);
  });

  it('still renders, without internals, when no model can be served (the operator reads the reason on /healthz)', async () => {
    const detail = ModelDetailResponse.parse(await (await call('/v1/models/fixture-missing', {}, only('fixture-missing'))).json());
    expect(detail.refused?.reason).toMatch(/manifest\.json/);
    const res = await call('/', demo(), only('fixture-missing'));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('"reason":"not being served right now"');
    expect(html).not.toMatch(INTERNALS);
  });

  it('answers a broken configuration with a 503 that names none of it', async () => {
    const body = await expectError(await call('/', demo(), { MODELS: 'Not An Id' }), 503, 'bundle_unavailable');
    expect(body.error.message).not.toMatch(INTERNALS);
    expect(body.error.message).not.toContain('Not An Id');
  });
});

describe('DEMO = "off"', () => {
  it('turns every demo route into a 404 like an unknown route, saying nothing about the models', async () => {
    const unknown = await expectError(await call('/no-such-route', demo()), 404, 'not_found');
    expect(unknown.error.message).toBe('no route for GET /no-such-route');
    for (const [path, init] of [['/', {}], ['/demo/samples', {}], ['/demo/predict', { json: { inputs } }]] as const) {
      const res = await call(path, demo(init), { DEMO: 'off' });
      const text = await res.clone().text();
      await expectError(res, 404, 'not_found');
      expect(text).not.toMatch(/fixture|mat|erm|digit/);
    }
    expect((await call('/', demo(), { DEMO: 'on' })).status).toBe(200);
    // Only the demo: the keyed API and the health check keep answering.
    expect((await call('/v1/models', {}, { DEMO: 'off' })).status).toBe(200);
    expect((await call('/v1/predict', { json: { inputs } }, { DEMO: 'off' })).status).toBe(200);
    expect((await call('/healthz', {}, { DEMO: 'off' })).status).toBe(200);
  });
});

describe('GET /demo/samples', () => {
  it("returns the active bundle's labelled test inputs (built-in data: published by default)", async () => {
    const body = await (await call('/demo/samples', demo())).json() as { model: string; items: { id: number; label: number; class_name: string; group: string | null; input: number[] }[] };
    expect(body.model).toBe('fixture-mat');
    expect(body.items).toHaveLength(12);
    expect(body.items[0].input).toEqual(fixture.expected.inputs[0]);
    expect(body.items[0].class_name).toBe(['digit ≥ 5', 'digit < 5'][body.items[0].label]);
    expect(body.items[0].group).toMatch(/^digit [≥<] 5 · (red|green)$/);
  });

  it('publishes no samples of a bundle that opted out, nor of an older user-data bundle', async () => {
    for (const id of ['fixture-private', 'fixture-userdata']) {
      expect((await call('/v1/models/' + id, {}, only(id))).status).toBe(200);
      await expectError(await call('/demo/samples', demo(), only(id)), 404, 'not_found');
    }
  });
});

describe('POST /demo/predict', () => {
  it('runs every demo model on the inputs, as /v1/predict would but without the membership bit', async () => {
    const res = await call('/demo/predict', demo({ json: { inputs, explain: true } }));
    expect(res.status).toBe(200);
    const body = await res.json() as DemoBody;
    expect(body.models.map((m) => [m.id, m.algorithm])).toEqual([['fixture-mat', 'mat'], ['fixture-erm', 'erm']]);
    expect(body.unavailable).toEqual([{ id: 'fixture-corrupt', reason: 'not being served right now' }]);
    for (const m of body.models) {
      const api = await apiPredict(m.id, inputs);
      expect(api.predictions.every((p) => !p.memorization.member)).toBe(true);
      expect(m.predictions).toEqual(api.predictions.map(({ memorization: { member: _, ...memorization }, ...p }) => ({ ...p, memorization })));
      const ids = api.predictions.flatMap((p) => p.memorization.nearest!.map((n) => String(n.id)));
      expect(Object.keys(m.exemplar_pixels).sort()).toEqual([...new Set(ids)].sort());
      for (const b64 of Object.values(m.exemplar_pixels)) expect(base64ToBytes(b64)).toHaveLength(fixture.dim);
    }
  });

  it('answers a training example like any new input: the neighbour estimate, no member field, no measured score', async () => {
    const member = fixture.expected.inputs[memberAt];
    // A copy one hair away is a new input for the keyed API too: its neighbour estimate is the reference.
    const nearCopy = member.map((v, j) => (j === member.findIndex((x) => x < 1) ? v + 1e-6 : v));
    const [exact, near] = (await apiPredict('fixture-mat', [member, nearCopy])).predictions;
    expect(exact.memorization).toMatchObject({ member: true, estimator: 'measured' });
    expect(near.memorization).toMatchObject({ member: false, estimator: 'neighbours' });
    expect(Math.abs(exact.memorization.score - near.memorization.score)).toBeGreaterThan(1e-3);

    const res = await call('/demo/predict', demo({ json: { inputs: [member], explain: true } }));
    const text = await res.clone().text();
    const shown = ((await res.json()) as DemoBody).models[0].predictions[0].memorization;
    expect(text).not.toMatch(/"member"|"measured"/);
    expect(shown.estimator).toBe('neighbours');
    expect(shown.score as number).toBeCloseTo(near.memorization.score, 4);
    expect(shown.score).not.toBe(exact.memorization.score);
  });

  it('does not force explain: without it, no exemplars and no pixels', async () => {
    const body = await (await call('/demo/predict', demo({ json: { inputs } }))).json() as DemoBody;
    for (const m of body.models) {
      expect(m.exemplar_pixels).toEqual({});
      for (const p of m.predictions) expect(p.memorization).not.toHaveProperty('nearest');
    }
  });

  it('shows no exemplars of a bundle that does not publish them, even when asked', async () => {
    for (const id of ['fixture-private', 'fixture-userdata']) {
      const body = await (await call('/demo/predict', demo({ json: { inputs, explain: true } }), only(id))).json() as DemoBody;
      expect(body.models.map((m) => m.id)).toEqual([id]);
      expect(body.models[0].exemplar_pixels).toEqual({});
      for (const p of body.models[0].predictions) expect(p.memorization).not.toHaveProperty('nearest');
    }
  });

  it('says "unavailable" without internals when no model can answer', async () => {
    const detail = ModelDetailResponse.parse(await (await call('/v1/models/fixture-corrupt', {}, only('fixture-corrupt'))).json());
    expect(detail.refused?.reason).toMatch(/sha256/);
    const body = await expectError(await call('/demo/predict', demo({ json: { inputs } }), only('fixture-corrupt')), 503, 'bundle_unavailable');
    expect(body.error.message).not.toMatch(INTERNALS);
    expect(body.error.message).not.toContain('fixture-corrupt');
  });

  it('refuses an unknown key, naming it, like the API', async () => {
    const body = await expectError(await call('/demo/predict', demo({ json: { inputs, explian: true } })), 400, 'invalid_request');
    expect(body.error.issues?.map((i) => i.path)).toContainEqual(['explian']);
  });

  it('validates like the API', async () => {
    const res = await call('/demo/predict', demo({ json: { inputs: [inputs[0].slice(2)] } }));
    expect((await expectError(res, 400, 'invalid_request')).error.issues![0].path).toEqual(['inputs', 0]);
    await expectError(await call('/demo/predict', demo({ json: { inputs: [inputs[0], inputs[0], inputs[0], inputs[0], inputs[0]] } })), 400, 'invalid_request');
  });
});

describe('demo rate limit', () => {
  it('keys on the client address: one client is limited, another is not', async () => {
    // The test limiter allows 5 requests per minute per key (vitest.workers.config.ts).
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('/demo/samples', { key: null, ip: '10.6.0.1' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await call('/demo/samples', { key: null, ip: '10.6.0.2' })).status).toBe(200);
  });

  it('refuses a request without a client address instead of counting it in a shared bucket', async () => {
    for (let i = 0; i < 7; i++) {
      const body = await expectError(await call('/demo/samples', { key: null }), 400, 'invalid_request');
      expect(body.error.message).toContain('CF-Connecting-IP');
    }
  });
});

/** The text a visitor reads: the page without its script and style elements, tags and entities. */
function visibleText(html: string): string {
  return html.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ');
}

describe('a features bundle (a user table: named features, classes and groups, a declared shortcut)', () => {
  const features = only('fixture-features');

  it('gets a page in its own words: its class, group and shortcut names, no digit or colour, no canvas', async () => {
    const res = await call('/', demo(), features);
    expect(res.status).toBe(200);
    const html = await res.text();
    const text = visibleText(html);
    expect(text).not.toMatch(/digit|colou?r|draw|canvas|pixel/i);
    expect(html).not.toContain('<canvas');
    for (const name of [...FEATURE_CLASS_NAMES, ...FEATURE_GROUP_NAMES, 'rural', FEATURE_INTERVENTION, ...FEATURE_NAMES]) expect(text).toContain(name);
    expect(/<title>(.*?)<\/title>/.exec(html)![1]).toBe('mat-edge · Does the model decide “approved” or “denied” from the whole row, or from rural?');
    expect(text).toContain('Rural dependence');
    expect(html).toContain('id="sample-groups"');
    expect(html).toContain('id="paste"');
    expect(html).not.toContain('id="private-note"');
    const config = JSON.parse(/<script type="application\/json" id="demo-config">(.*?)<\/script>/s.exec(html)![1]);
    expect(config.models[0]).toMatchObject({
      id: 'fixture-features', ok: true, classNames: FEATURE_CLASS_NAMES, groupNames: FEATURE_GROUP_NAMES, publishesSamples: true,
      shortcut: { name: 'rural', intervention: FEATURE_INTERVENTION }, input: { kind: 'features', featureNames: FEATURE_NAMES },
    });
    expect(html).not.toMatch(INTERNALS);
  });

  it('publishes its test rows with class and group names', async () => {
    const body = await (await call('/demo/samples', demo(), features)).json() as { model: string; items: { label: number; class_name: string; group: string | null; input: number[] }[] };
    expect(body.model).toBe('fixture-features');
    expect(body.items).toHaveLength(12);
    for (const item of body.items) {
      expect(item.class_name).toBe(FEATURE_CLASS_NAMES[item.label]);
      expect(item.group!.startsWith(`${item.class_name} · `)).toBe(true);
      expect(FEATURE_GROUP_NAMES).toContain(item.group);
      expect(item.input).toHaveLength(FEATURE_NAMES.length);
    }
  });

  it('predicts a row with the model\'s own answer to its declared intervention and the nearest exemplars, without pixels', async () => {
    const row = [0.5, -1, 0.2, 0, 1.5, -0.3];
    const body = await (await call('/demo/predict', demo({ json: { inputs: [row], explain: true } }), features)).json() as DemoBody;
    expect(body.models.map((m) => m.id)).toEqual(['fixture-features']);
    const [p] = body.models[0].predictions;
    expect(FEATURE_CLASS_NAMES).toContain(p.class_name);
    expect(p.spurious.intervention).toBe('applied');
    expect(p.spurious.counterfactual_change).toEqual(expect.any(Number));
    expect(p.spurious.flip).toEqual(expect.any(Boolean));
    expect(p.spurious.flip_probability).toBeNull();
    expect((p.memorization.nearest as unknown[]).length).toBe(5);
    expect(body.models[0].exemplar_pixels).toEqual({});
  });

  it('that keeps its samples private says so, shows none, and still takes a pasted row', async () => {
    const id = 'fixture-features-private';
    const html = await (await call('/', demo(), only(id))).text();
    const text = visibleText(html);
    expect(html).toContain('id="private-note"');
    expect(text).toContain(`The test rows of ${id} are private`);
    expect(html).not.toContain('id="sample-groups"');
    expect(html).toContain('id="paste"');
    expect(text).not.toMatch(/digit|colou?r/i);
    await expectError(await call('/demo/samples', demo(), only(id)), 404, 'not_found');
    expect((await call('/demo/predict', demo({ json: { inputs: [[0, 0, 0, 0, 0, 0]] } }), only(id))).status).toBe(200);
  });

  it('that declares no shortcut speaks of "a shortcut" and shows no dependence gauge or counterfactual answer', async () => {
    const html = await (await call('/', demo(), only('fixture-features-plain'))).text();
    const text = visibleText(html);
    expect(/<title>(.*?)<\/title>/.exec(html)![1]).toBe('mat-edge · Does the model decide “approved” or “denied” from the whole row, or from a shortcut?');
    expect(text).not.toMatch(/region|dependence|intervention|digit|colou?r/i);
    const config = JSON.parse(/<script type="application\/json" id="demo-config">(.*?)<\/script>/s.exec(html)![1]);
    expect(config.models[0].shortcut).toEqual({ name: null, intervention: null });
    const body = await (await call('/demo/predict', demo({ json: { inputs: [[0, 0, 0, 0, 0, 0]] } }), only('fixture-features-plain'))).json() as DemoBody;
    expect(body.models[0].predictions[0].spurious.counterfactual_change).toBeNull();
  });
});
