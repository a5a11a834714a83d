import { beforeAll, describe, expect, it } from 'vitest';
import { HealthResponse, ModelDetailResponse, ModelsResponse, PredictResponse, base64ToBytes } from '../../shared/src/index.js';
import { SOURCES, call, env, expectError, fixture, seedR2 } from './helpers.js';

beforeAll(seedR2);

const predict = (model?: string) => ({ json: { ...(model ? { model } : {}), inputs: [fixture.expected.inputs[0]] } });

describe.each(SOURCES)('bundle integrity from %s', (source) => {
  const opts = { BUNDLE_SOURCE: source };

  it('/healthz says which bundles are refused and why', async () => {
    const res = await call('/healthz', { key: null }, opts);
    expect(res.status).toBe(200);
    const body = HealthResponse.parse(await res.json());
    expect(body.status).toBe('ok');
    const byId = Object.fromEntries(body.models.map((m) => [m.id, m]));
    expect(byId['fixture-mat']).toEqual({ id: 'fixture-mat', ok: true });
    expect(byId['fixture-erm'].ok).toBe(true);
    expect(byId['fixture-corrupt'].reason).toMatch(/^model\.onnx sha256 mismatch/);
    expect(byId['fixture-truncated'].reason).toMatch(/^memorization\.json is listed in the manifest but missing/);
    expect(byId['fixture-badschema'].reason).toMatch(/^manifest\.json does not match the bundle schema \(formatVersion/);
    expect(byId['fixture-badprobe'].reason).toMatch(/^manifest\.json: counterfactual probe holds 3 weights, expected 2 \+ 2×/);
    expect(byId['fixture-missing'].reason).toMatch(/^no bundle: .*fixture-missing\/manifest\.json not found/);
    expect(byId['fixture-alias'].reason).toBe('manifest.json is for model "fixture-mat", not "fixture-alias"');
  });

  it('requests for a refused bundle get 503 with the reason, never an answer', async () => {
    for (const model of ['fixture-corrupt', 'fixture-truncated', 'fixture-badschema', 'fixture-badprobe', 'fixture-missing', 'fixture-alias']) {
      const body = await expectError(await call('/v1/predict', predict(model), opts), 503, 'bundle_unavailable');
      expect(body.error.message).toContain(`model "${model}" is unavailable: `);
    }
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

  it('a misconfigured worker reports its configuration instead of answering', async () => {
    for (const [vars, reason] of [
      [{ BUNDLE_SOURCE: 'ftp' }, /BUNDLE_SOURCE/],
      [{ ACTIVE_MODEL: 'elsewhere' }, /ACTIVE_MODEL: "elsewhere" is not listed in MODELS/],
      [{ MODELS: 'Bad Id' }, /MODELS/],
      [{ BUNDLES: undefined }, /no BUNDLES \(R2\) binding/],
    ] as const) {
      const health = await call('/healthz', {}, vars);
      expect(health.status).toBe(503);
      expect(HealthResponse.parse(await health.json()).models.map((m) => m.reason).join()).toMatch(reason);
      expect((await expectError(await call('/v1/predict', predict(), vars), 503, 'bundle_unavailable')).error.message).toMatch(reason);
    }
  });
});

describe('swapping bundles without a redeploy', () => {
  it('serves whatever verified bundle storage holds now (manifest re-checked after BUNDLE_TTL_SECONDS)', async () => {
    const vars = { MODELS: 'fixture-mat=releases/next' };
    const files = Object.entries(fixture.objects).filter(([k]) => k.startsWith('fixture-mat/'));
    const put = (name: string, bytes: Uint8Array | string) => env.BUNDLES.put(`releases/next/${name}`, bytes);
    await expectError(await call('/v1/predict', predict(), vars), 503, 'bundle_unavailable');
    for (const [key, b64] of files) await put(key.slice('fixture-mat/'.length), base64ToBytes(b64));
    const version = async () => PredictResponse.parse(await (await call('/v1/predict', predict(), vars)).json()).model.version;
    expect(await version()).toBe('1.0.0-fixture');

    const manifest = JSON.parse(atob(fixture.objects['fixture-mat/manifest.json']));
    await put('manifest.json', JSON.stringify({ ...manifest, model: { ...manifest.model, version: '2.0.0' } }));
    expect(await version()).toBe('2.0.0');

    await put('model.onnx', new Uint8Array([1, 2, 3]));
    await put('manifest.json', JSON.stringify({ ...manifest, model: { ...manifest.model, version: '3.0.0' } }));
    const refused = await expectError(await call('/v1/predict', predict(), vars), 503, 'bundle_unavailable');
    expect(refused.error.message).toMatch(/model\.onnx has 3 bytes/);
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
    expect(body.active).toBe(false);
    expect(body.manifest.model.id).toBe('fixture-erm');
    expect(body.manifest.files.map((f) => f.path).sort()).toEqual(['memorization.json', 'model.onnx', 'samples.json']);
    await expectError(await call('/v1/models/fixture-corrupt'), 503, 'bundle_unavailable');
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
    expect(Object.keys(predictOp.responses).sort()).toEqual(['200', '400', '401', '403', '404', '413', '415', '503']);
    const request = predictOp.requestBody.content['application/json'].schema;
    expect(request.properties.inputs).toMatchObject({ type: 'array', minItems: 1, maxItems: 256 });
    expect(request.required).toEqual(['inputs']);
    const prediction = predictOp.responses['200'].content['application/json'].schema.properties.predictions.items;
    expect(Object.keys(prediction.properties.spurious.properties)).toEqual(expect.arrayContaining(['shortcut_label', 'conflict', 'reliance', 'slice_accuracy']));
  });
});
