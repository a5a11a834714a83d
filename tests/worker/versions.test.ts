/**
 * Published versions inside workerd (the R2 bucket and the MODEL_VERSIONS KV namespace of wrangler.toml, as Miniflare
 * binds them): the active version follows its KV key without a redeploy, `id@version` pins one, a version that fails
 * verification is never served, and at most MAX_PINNED_VERSIONS pinned versions stay loaded. Model `vmodel` is
 * configured by these tests alone (vars override), so no other file sees its key.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HealthResponse, ModelDetailResponse, PredictResponse, base64ToBytes, type Prediction } from '#shared';
import { MAX_PINNED_VERSIONS, pinnedVersionsLoaded } from '../../worker/src/bundle/registry.js';
import { SOURCES, call, env, expectClose, expectError, fixture, seedR2 } from './helpers.js';

const ID = 'vmodel';
const vars = { MODELS: ID, ACTIVE_MODEL: ID, BUNDLE_SOURCE: 'r2' };

/** Publishes fixture bundle `folder` as `vmodel/<version>/` (its manifest names model vmodel; `edit` breaks a file). */
async function publish(folder: string, version: string, edit: (name: string, bytes: Uint8Array) => Uint8Array = (_, b) => b) {
  const files = Object.entries(fixture.objects).filter(([k]) => k.startsWith(`${folder}/`)).map(([k, b64]) => [k.slice(folder.length + 1), base64ToBytes(b64)] as const);
  const manifest = JSON.parse(new TextDecoder().decode(files.find(([n]) => n === 'manifest.json')![1]));
  manifest.model.id = ID;
  for (const [name, bytes] of files) if (name !== 'manifest.json') await env.BUNDLES.put(`${ID}/${version}/${name}`, edit(name, bytes));
  await env.BUNDLES.put(`${ID}/${version}/manifest.json`, JSON.stringify(manifest));
}

const activate = (version: string) => env.MODEL_VERSIONS.put(ID, version);

async function predict(model?: string): Promise<{ version: string; prediction: Prediction }> {
  const res = await call('/v1/predict', { json: { ...(model ? { model } : {}), inputs: [fixture.expected.inputs[0]] } }, vars);
  expect(res.status, await res.clone().text()).toBe(200);
  const body = PredictResponse.parse(await res.json());
  expect(body.model.id).toBe(ID);
  return { version: body.model.version, prediction: body.predictions[0] };
}

const health = async () => HealthResponse.parse(await (await call('/healthz', { key: null }, vars)).json()).models[0];
const detail = async (ref: string) => ModelDetailResponse.parse(await (await call(`/v1/models/${ref}`, {}, vars)).json());

afterAll(() => env.MODEL_VERSIONS.delete(ID));

describe('versions in R2, the active one in KV', () => {
  it('serves the version MODEL_VERSIONS names, and swaps when the key changes', async () => {
    await publish('fixture-mat', 'v1');
    await publish('fixture-erm', 'v2');
    await expectError(await call('/v1/predict', { json: { inputs: [fixture.expected.inputs[0]] } }, vars), 503, 'bundle_unavailable'); // no key: vmodel/ is empty
    await activate('v1');
    const v1 = await predict();
    expect(v1.version).toBe('v1');
    expectClose(v1.prediction.probabilities, fixture.expected.predictions[0].probabilities); // fixture-mat's numbers
    expect(await health()).toEqual({ id: ID, ok: true, status: 'ok', version: 'v1' });

    await activate('v2');
    const v2 = await predict();
    expect(v2.version).toBe('v2');
    expect(v2.prediction.probabilities).not.toEqual(v1.prediction.probabilities); // fixture-erm: another model answers
    expect(await health()).toEqual({ id: ID, ok: true, status: 'ok', version: 'v2' });
    expect(await detail(ID)).toMatchObject({ version: 'v2', active: true, status: 'ok', refused: null });
  });

  it('pins id@version: the replaced active version still answers, exactly, beside the new one', async () => {
    const pinned = await predict(`${ID}@v1`);
    expect(pinned.version).toBe('v1');
    expectClose(pinned.prediction.probabilities, fixture.expected.predictions[0].probabilities);
    expect(pinnedVersionsLoaded()).toContain(`r2:${ID}:${ID}@v1`);
    expect((await predict(`${ID}@v2`)).version).toBe('v2'); // the active one, pinned
    expect((await predict()).version).toBe('v2');
    const res = await call('/v1/evaluate', { json: { model: `${ID}@v1`, inputs: [fixture.expected.inputs[0]], labels: [0] } }, vars);
    expect(res.status).toBe(200);
    expect((await res.json() as { model: unknown }).model).toEqual({ id: ID, version: 'v1' });
  });

  it('a version that fails verification is never served: active stays on the last good one (degraded), pinned is a 409', async () => {
    await publish('fixture-mat', 'v3', (name, bytes) => {
      if (name !== 'model.onnx') return bytes;
      const flipped = bytes.slice();
      flipped[flipped.length - 5] ^= 0x40;
      return flipped;
    });
    await activate('v3');
    for (let i = 0; i < 3; i++) expect((await predict()).version).toBe('v2');
    expect(await health()).toEqual({ id: ID, ok: true, status: 'degraded', version: 'v2', refusedVersion: 'v3' });
    expect((await detail(ID)).refused).toMatchObject({ version: 'v3', reason: expect.stringMatching(/^model\.onnx: sha256 mismatch/) });
    const refused = await expectError(await call('/v1/predict', { json: { model: `${ID}@v3`, inputs: [fixture.expected.inputs[0]] } }, vars), 409, 'version_refused');
    expect(refused.error.message).toBe(`model "${ID}@v3" failed verification and is never served (the reason: GET /v1/models/${ID}@v3)`);
    expect(refused.error.message).not.toMatch(/sha256|r2:\/\/|model\.onnx/);
    expect((await detail(`${ID}@v3`)).refused?.reason).toMatch(/^model\.onnx: sha256 mismatch/);
    await activate('v2');
    expect(await health()).toEqual({ id: ID, ok: true, status: 'ok', version: 'v2' });
  });

  it('a version never published: 404 naming it when pinned, the last good one serves when activated', async () => {
    const missing = await expectError(await call('/v1/predict', { json: { model: `${ID}@v9`, inputs: [fixture.expected.inputs[0]] } }, vars), 404, 'not_found');
    expect(missing.error.message).toBe(`model "${ID}@v9" is not published`);
    await activate('v9');
    expect((await predict()).version).toBe('v2');
    expect(await health()).toMatchObject({ status: 'degraded', version: 'v2', refusedVersion: 'v9' });
    await activate('../v1'); // not a version name: storage is never asked for it
    expect((await predict()).version).toBe('v2');
    expect((await detail(ID)).refused?.reason).toMatch(/MODEL_VERSIONS holds "\.\.\/v1" for vmodel, not a version name/);
    await activate('v2');
  });

  it('keeps at most MAX_PINNED_VERSIONS pinned versions loaded, least recently used out first', async () => {
    for (const v of ['v4', 'v5', 'v6']) await publish('fixture-mat', v);
    for (const v of ['v1', 'v4', 'v5', 'v6']) expect((await predict(`${ID}@${v}`)).version).toBe(v);
    const loaded = pinnedVersionsLoaded().filter((k) => k.startsWith(`r2:${ID}:`));
    expect(loaded.length).toBe(MAX_PINNED_VERSIONS);
    expect(loaded).toEqual(['v5', 'v6'].slice(-MAX_PINNED_VERSIONS).map((v) => `r2:${ID}:${ID}@${v}`));
    expect((await predict(`${ID}@v1`)).version).toBe('v1'); // evicted, loaded again on demand
  });

  it.each(SOURCES)('an unversioned bundle (%s, with or without the KV binding) serves as before and pins as the version it answers with', async (source) => {
    await seedR2();
    for (const overrides of [{ BUNDLE_SOURCE: source }, { BUNDLE_SOURCE: source, MODEL_VERSIONS: undefined }]) {
      const json = (model?: string) => ({ json: { ...(model ? { model } : {}), inputs: [fixture.expected.inputs[0]] } });
      const plain = PredictResponse.parse(await (await call('/v1/predict', json(), overrides)).json());
      expect(plain.model).toEqual({ id: 'fixture-mat', version: '1.0.0-fixture' });
      const res = await call('/v1/predict', json('fixture-mat@1.0.0-fixture'), overrides);
      expect(res.status).toBe(200);
      expect(PredictResponse.parse(await res.json())).toEqual(plain);
      await expectError(await call('/v1/predict', json('fixture-mat@2.0.0'), overrides), 404, 'not_found');
    }
  });

  it('model refs that are neither id nor id@version are a 400 naming the field', async () => {
    for (const model of [`${ID}@`, `${ID}@a/b`, `${ID}@v1@v2`, `@v1`]) {
      const body = await expectError(await call('/v1/predict', { json: { model, inputs: [fixture.expected.inputs[0]] } }, vars), 400, 'invalid_request');
      expect(body.error.issues?.[0].path, model).toEqual(['model']);
    }
    await expectError(await call('/v1/predict', { json: { model: 'nope@v1', inputs: [fixture.expected.inputs[0]] } }, vars), 404, 'not_found');
  });
});
