import { beforeAll, describe, expect, it } from 'vitest';
import { HealthResponse, ModelDetailResponse, ModelsResponse, PredictResponse, base64ToBytes } from '#shared';
import { RELEASE_GRACE_MS, releaseRetired, retiredCount } from '../../worker/src/bundle/retire.js';
import { SOURCES, call, env, expectError, fixture, seedR2 } from './helpers.js';
import { deref } from './openapi-doc.js';

beforeAll(seedR2);

const predict = (model?: string) => ({ json: { ...(model ? { model } : {}), inputs: [fixture.expected.inputs[0]] } });

const LEAKS = /sha256|r2:\/\/|assets:\/|onnxruntime|manifest\.json|model\.onnx|[0-9a-f]{12}/;

const REFUSED: Record<string, RegExp | string> = {
  'fixture-corrupt': /^model\.onnx: sha256 mismatch \(manifest [0-9a-f]{64}, file [0-9a-f]{64}\)$/,
  'fixture-truncated': /^memorization\.json: listed in the manifest but missing \((r2:\/\/BUNDLES|assets:)\/fixture-truncated\/memorization\.json\)$/,
  'fixture-badschema': /^manifest\.json: does not match the bundle schema \(formatVersion/,
  'fixture-badprobe': /^manifest\.json: counterfactual probe holds 3 weights, expected 2 \+ 2×/,
  'fixture-missing': /^manifest\.json: not found \(.*fixture-missing\/manifest\.json\)$/,
  'fixture-alias': 'manifest.json: is for model "fixture-mat", not "fixture-alias"',
  'fixture-nan': /^model\.onnx: output 'logits' is NaN on a zeros input: the model does not compute finite numbers$/,
};

const detail = async (id: string, overrides = {}) => ModelDetailResponse.parse(await (await call(`/v1/models/${id}`, {}, overrides)).json());

describe.each(SOURCES)('bundle integrity from %s', (source) => {
  const opts = { BUNDLE_SOURCE: source };

  it('/healthz says which models are served and which are not, without the reasons', async () => {
    const res = await call('/healthz', { key: null }, opts);
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = HealthResponse.parse(JSON.parse(text));
    expect(body.status).toBe('degraded');
    const byId = Object.fromEntries(body.models.map((m) => [m.id, m]));
    expect(byId['fixture-mat']).toEqual({ id: 'fixture-mat', ok: true, status: 'ok', version: '1.0.0-fixture' });
    expect(byId['fixture-erm'].status).toBe('ok');
    for (const id of Object.keys(REFUSED)) expect(byId[id], id).toMatchObject({ ok: false, status: 'unavailable', version: null });
    expect(text).not.toMatch(LEAKS);
    expect(text).not.toContain('reason');
  });

  it('the operator reads each refusal reason behind a key (GET /v1/models/:id)', async () => {
    for (const [id, reason] of Object.entries(REFUSED)) {
      const body = await detail(id, opts);
      expect(body, id).toMatchObject({ manifest: null, status: 'unavailable' });
      expect(body.refused?.reason, id).toMatch(reason);
    }
    expect((await detail('fixture-nan', opts)).refused?.version).toBe('1.0.0-fixture');
    expect((await call('/v1/models/fixture-corrupt', { key: null }, opts)).status).toBe(401);
  });

  it('requests for a refused bundle get 503 without internals, never an answer', async () => {
    for (const model of Object.keys(REFUSED)) {
      const body = await expectError(await call('/v1/predict', predict(model), opts), 503, 'bundle_unavailable');
      expect(body.error.message).toBe(`model "${model}" is unavailable: no valid bundle is loaded (the reason: GET /v1/models/${model})`);
    }
    const nan = await expectError(await call('/v1/evaluate', { json: { model: 'fixture-nan', inputs: [fixture.expected.inputs[0]], labels: [0] } }, opts), 503, 'bundle_unavailable');
    expect(nan.error.message).not.toMatch(LEAKS);
  });
});

describe('no valid active bundle', () => {
  it('healthz 503 and every served route 503 while the active bundle is refused', async () => {
    const broken = { ACTIVE_MODEL: 'fixture-corrupt' };
    const health = await call('/healthz', {}, broken);
    expect(health.status).toBe(503);
    expect(HealthResponse.parse(await health.json()).status).toBe('unavailable');
    await expectError(await call('/v1/predict', predict(), broken), 503, 'bundle_unavailable');
    await expectError(await call('/v1/evaluate', { json: { inputs: [fixture.expected.inputs[0]], labels: [0] } }, broken), 503, 'bundle_unavailable');
    await expectError(await call('/demo/predict', { ...predict(), key: null, ip: '10.4.0.1' }, { MODELS: 'fixture-corrupt', ACTIVE_MODEL: 'fixture-corrupt' }), 503, 'bundle_unavailable');
    await expectError(await call('/v1/models', {}, { MODELS: 'fixture-corrupt,fixture-missing' }), 503, 'bundle_unavailable');
  });

  it('a misconfigured worker says so publicly and what is wrong behind a key', async () => {
    for (const [vars, reason] of [
      [{ BUNDLE_SOURCE: 'ftp' }, /BUNDLE_SOURCE/],
      [{ ACTIVE_MODEL: 'elsewhere' }, /ACTIVE_MODEL: "elsewhere" is not listed in MODELS/],
      [{ MODELS: 'Bad Id' }, /MODELS/],
      [{ BUNDLES: undefined }, /no BUNDLES \(R2\) binding/],
    ] as const) {
      const health = await call('/healthz', { key: null }, vars);
      expect(health.status).toBe(503);
      expect(HealthResponse.parse(await health.json()).status).toBe('unavailable');
      expect((await expectError(await call('/v1/predict', predict(), vars), 503, 'bundle_unavailable')).error.message).toMatch(reason);
    }
  });
});

describe('last known good through R2 (BUNDLE_TTL_SECONDS 0)', () => {
  const mat = Object.entries(fixture.objects).filter(([k]) => k.startsWith('fixture-mat/')).map(([k, b64]) => [k.slice('fixture-mat/'.length), base64ToBytes(b64)] as const);
  const baseManifest = JSON.parse(atob(fixture.objects['fixture-mat/manifest.json']));
  const bucket = env.BUNDLES as unknown as { put(k: string, v: Uint8Array | string): Promise<unknown>; delete(k: string): Promise<void> };

  /** A release prefix holding fixture-mat's files; `version` relabels the manifest (its files unchanged). */
  function release(prefix: string) {
    const vars = { MODELS: `fixture-mat=${prefix}` };
    const put = (name: string, bytes: Uint8Array | string) => bucket.put(`${prefix}/${name}`, bytes);
    const manifestFor = (version: string, files = baseManifest.files) => JSON.stringify({ ...baseManifest, model: { ...baseManifest.model, version }, files });
    const served = async () => {
      const res = await call('/v1/predict', predict(), vars);
      expect(res.status).toBe(200);
      return PredictResponse.parse(await res.json()).model.version;
    };
    const health = async () => HealthResponse.parse(await (await call('/healthz', { key: null }, vars)).json()).models[0];
    return { vars, put, manifestFor, served, health, seed: async () => { for (const [name, bytes] of mat) await put(name, bytes); } };
  }

  it('swaps in a valid new version and releases the replaced session once idle', async () => {
    const r = release('releases/swap');
    await expectError(await call('/v1/predict', predict(), r.vars), 503, 'bundle_unavailable');
    await r.seed();
    expect(await r.served()).toBe('1.0.0-fixture');
    const before = retiredCount();
    await r.put('manifest.json', r.manifestFor('2.0.0'));
    expect(await r.served()).toBe('2.0.0');
    expect(await r.health()).toEqual({ id: 'fixture-mat', ok: true, status: 'ok', version: '2.0.0' });
    expect(retiredCount()).toBe(before + 1);
    expect(await releaseRetired(Date.now())).toBe(0); // inside the grace period a request may still hold it
    expect(await releaseRetired(Date.now() + RELEASE_GRACE_MS)).toBeGreaterThanOrEqual(1);
    expect(retiredCount()).toBe(0);
    expect(await r.served()).toBe('2.0.0');
  });

  it('refuses a broken new version while the old one keeps serving (healthz degraded, both versions)', async () => {
    const r = release('releases/broken');
    await r.seed();
    expect(await r.served()).toBe('1.0.0-fixture');
    await r.put('model.onnx', new Uint8Array([1, 2, 3]));
    await r.put('manifest.json', r.manifestFor('3.0.0'));
    for (let i = 0; i < 3; i++) expect(await r.served()).toBe('1.0.0-fixture');
    expect(await r.health()).toEqual({ id: 'fixture-mat', ok: true, status: 'degraded', version: '1.0.0-fixture', refusedVersion: '3.0.0' });
    const op = await detail('fixture-mat', r.vars);
    expect(op).toMatchObject({ status: 'degraded', manifest: { model: { version: '1.0.0-fixture' } }, refused: { version: '3.0.0' } });
    expect(op.refused?.reason).toBe(`model.onnx: size mismatch (manifest ${baseManifest.files.find((f: { path: string }) => f.path === 'model.onnx').bytes} bytes, file 3 bytes)`);

    // The fix arrives: the next check verifies and serves it, and healthz is green again.
    await r.put('model.onnx', mat.find(([n]) => n === 'model.onnx')![1]);
    expect(await r.served()).toBe('3.0.0');
    expect(await r.health()).toEqual({ id: 'fixture-mat', ok: true, status: 'ok', version: '3.0.0' });
  });

  it('notices model.onnx corrupted under an unchanged manifest, and a listed file deleted', async () => {
    const r = release('releases/silent');
    await r.seed();
    expect(await r.served()).toBe('1.0.0-fixture');
    const model = mat.find(([n]) => n === 'model.onnx')![1].slice();
    model[model.length - 5] ^= 0x40;
    await r.put('model.onnx', model);
    expect(await r.served()).toBe('1.0.0-fixture');
    expect(await r.health()).toMatchObject({ status: 'degraded', version: '1.0.0-fixture', refusedVersion: '1.0.0-fixture' });
    expect((await detail('fixture-mat', r.vars)).refused?.reason).toMatch(/^model\.onnx: sha256 mismatch/);

    await r.seed();
    expect((await r.health()).status).toBe('ok');
    await bucket.delete('releases/silent/samples.json');
    expect(await r.served()).toBe('1.0.0-fixture');
    expect((await detail('fixture-mat', r.vars)).refused?.reason).toMatch(/^samples\.json: listed in the manifest but missing/);
  });

  it('refuses a re-hashed bundle whose weights are NaN and keeps serving the old one', async () => {
    const r = release('releases/nan');
    await r.seed();
    expect(await r.served()).toBe('1.0.0-fixture');
    const nan = Object.entries(fixture.objects).filter(([k]) => k.startsWith('fixture-nan/'));
    const nanManifest = JSON.parse(atob(fixture.objects['fixture-nan/manifest.json']));
    for (const [key, b64] of nan) if (!key.endsWith('manifest.json')) await r.put(key.slice('fixture-nan/'.length), base64ToBytes(b64));
    await r.put('manifest.json', JSON.stringify({ ...nanManifest, model: { ...nanManifest.model, id: 'fixture-mat', version: '4.0.0-nan' } }));
    const res = await call('/v1/predict', predict(), r.vars);
    const body = PredictResponse.parse(await res.json());
    expect(body.model.version).toBe('1.0.0-fixture');
    expect(body.predictions[0].probabilities.every(Number.isFinite)).toBe(true);
    expect(await r.health()).toMatchObject({ status: 'degraded', refusedVersion: '4.0.0-nan' });
    expect((await detail('fixture-mat', r.vars)).refused?.reason).toMatch(/^model\.onnx: output 'logits' is NaN/);
  });
});

describe('GET /v1/models', () => {
  it('lists the valid bundles with their test metrics', async () => {
    const { models } = ModelsResponse.parse(await (await call('/v1/models')).json());
    expect(models.map((m) => [m.id, m.algorithm, m.active])).toEqual([['fixture-mat', 'mat', true], ['fixture-erm', 'erm', false]]);
    expect(models[0].test.worstGroup).toBeLessThanOrEqual(models[0].test.average!);
  });

  it('gives one model\'s verified manifest', async () => {
    const res = await call('/v1/models/fixture-erm');
    expect(res.status).toBe(200);
    const body = ModelDetailResponse.parse(await res.json());
    expect(body).toMatchObject({ active: false, status: 'ok', refused: null });
    expect(body.manifest?.model.id).toBe('fixture-erm');
    expect(body.manifest?.files.map((f) => f.path).sort()).toEqual(['memorization.json', 'model.onnx', 'samples.json']);
    await expectError(await call('/v1/models/nope'), 404, 'not_found');
  });
});

describe('GET /openapi.json', () => {
  it('is generated from the zod schemas', async () => {
    const res = await call('/openapi.json', { key: null });
    expect(res.status).toBe(200);
    const doc = await res.json() as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/demo/predict', '/demo/samples', '/healthz', '/v1/evaluate', '/v1/models', '/v1/models/{id}', '/v1/predict']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const predictOp = doc.paths['/v1/predict'].post;
    expect(predictOp.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(predictOp.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '503']);
    const request = deref(doc, predictOp.requestBody.content['application/json'].schema);
    expect(request.properties.inputs).toMatchObject({ type: 'array', minItems: 1, maxItems: 256 });
    expect(request.required).toEqual(['inputs']);
    const prediction = deref(doc, predictOp.responses['200'].content['application/json'].schema).properties.predictions.items;
    expect(Object.keys(prediction.properties.spurious.properties)).toEqual(expect.arrayContaining(['shortcut_label', 'conflict', 'reliance', 'slice_accuracy']));
  });
});
