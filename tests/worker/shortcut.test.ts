import { beforeAll, describe, expect, it } from 'vitest';
import { EvaluateResponse, PredictResponse, base64ToBytes, type Prediction } from '#shared';
import { FEATURE_NAMES, FEATURE_SHORTCUT } from '../fixtures/bundle/names.js';
import { call, env, expectError, fixture, seedR2 } from './helpers.js';

/** fixture-features declares a binary shortcut input (`rural`, 0/1): the worker runs the swap in the same call. */
const features = { MODELS: 'fixture-features', ACTIVE_MODEL: 'fixture-features' };

/** The fixture's published test rows (samples.json), every value of the shortcut among them. */
function sampleRows(): number[][] {
  const samples = JSON.parse(new TextDecoder().decode(base64ToBytes(fixture.objects['fixture-features/samples.json']))) as { items: { input: number[] }[] };
  return samples.items.map((s) => s.input);
}

const swapped = (row: number[]) => row.map((v, j) => (j === FEATURE_SHORTCUT.index ? 1 - v : v));
const predict = async (inputs: number[][]) => {
  const res = await call('/v1/predict', { json: { model: 'fixture-features', inputs } }, features);
  expect(res.status).toBe(200);
  return PredictResponse.parse(await res.json()).predictions;
};
const tv = (p: Prediction, q: Prediction) => 0.5 * p.probabilities.reduce((s, v, k) => s + Math.abs(v - q.probabilities[k]), 0);

/** A copy of fixture-features whose shortcut `rural` is a 3-category code (0, 1, 2): two counterfactuals per input. */
const CATEGORICAL = 'fixture-features-cat';
const CODES = [0, 1, 2];
async function seedCategorical(): Promise<void> {
  for (const [key, b64] of Object.entries(fixture.objects).filter(([k]) => k.startsWith('fixture-features/'))) {
    const name = key.slice('fixture-features/'.length);
    let bytes = base64ToBytes(b64);
    if (name === 'manifest.json') {
      const m = JSON.parse(new TextDecoder().decode(bytes));
      const intervention = {
        kind: 'categorical', column: FEATURE_SHORTCUT.column, description: 'set rural to each other code', categories: CODES.map(String),
        encoding: { type: 'code', index: FEATURE_SHORTCUT.index, codes: CODES },
      };
      bytes = new TextEncoder().encode(JSON.stringify({ ...m, model: { ...m.model, id: CATEGORICAL }, intervention }));
    }
    await env.BUNDLES.put(`${CATEGORICAL}/${name}`, bytes);
  }
}

beforeAll(async () => {
  await seedR2();
  await seedCategorical();
});

describe('a declared binary shortcut, answered by the model itself', () => {
  it('flips exactly where a second request with the shortcut swapped gets another label, and the change is that TV', async () => {
    const rows = sampleRows();
    // Random weights may make any answer stable; the check needs both outcomes among the rows to mean something.
    const [asIs, other] = [await predict(rows), await predict(rows.map(swapped))];
    for (const [i, p] of asIs.entries()) {
      expect(p.spurious.intervention).toBe('applied');
      expect(p.spurious.flip_probability).toBeNull();
      expect(p.spurious.flip).toBe(other[i].label !== p.label);
      expect(p.spurious.counterfactual_change).toBeCloseTo(tv(p, other[i]), 5);
      // The swap is its own inverse: the swapped row's answer is the original's, seen from the other side.
      expect(other[i].spurious.flip).toBe(p.spurious.flip);
    }
    const flips = asIs.filter((p) => p.spurious.flip).length;
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(asIs.length);
  });

  it('/v1/evaluate flags shortcut_flip on exactly the flipping inputs and sums the change', async () => {
    const rows = sampleRows(), preds = await predict(rows);
    const res = await call('/v1/evaluate', { json: { model: 'fixture-features', inputs: rows, labels: preds.map((p) => p.label) } }, features);
    expect(res.status).toBe(200);
    const body = EvaluateResponse.parse(await res.json());
    const flagged = new Set(body.flagged.filter((f) => f.reasons.includes('shortcut_flip')).map((f) => f.index));
    expect(flagged).toEqual(new Set(preds.flatMap((p, i) => (p.spurious.flip ? [i] : []))));
    for (const f of body.flagged) expect(f.flip).toBe(preds[f.index].spurious.flip);
    const mean = preds.reduce((s, p) => s + p.spurious.counterfactual_change!, 0) / preds.length;
    expect(body.scores.counterfactual_change!.mean).toBeCloseTo(mean, 6);
  });

  it('a categorical shortcut runs every other category in the same call: the largest change, a flip if any changes the label', async () => {
    const only = { MODELS: CATEGORICAL, ACTIVE_MODEL: CATEGORICAL };
    const run = async (inputs: number[][]) => {
      const res = await call('/v1/predict', { json: { inputs } }, only);
      expect(res.status).toBe(200);
      return PredictResponse.parse(await res.json()).predictions;
    };
    const rows = sampleRows();
    const asIs = await run(rows);
    const withCode = await Promise.all(CODES.map((c) => run(rows.map((r) => r.map((v, j) => (j === FEATURE_SHORTCUT.index ? c : v))))));
    for (const [i, p] of asIs.entries()) {
      const current = rows[i][FEATURE_SHORTCUT.index];
      const others = CODES.filter((c) => c !== current).map((c) => withCode[c][i]);
      expect(others).toHaveLength(2);
      expect(p.spurious.flip).toBe(others.some((q) => q.label !== p.label));
      expect(p.spurious.counterfactual_change).toBeCloseTo(Math.max(...others.map((q) => tv(p, q))), 5);
    }
  });

  it('still answers bad input with a 400 naming the row, before any run', async () => {
    const rows = sampleRows().slice(0, 3);
    rows[1] = rows[1].slice(0, FEATURE_NAMES.length - 1);
    const body = await expectError(await call('/v1/predict', { json: { model: 'fixture-features', inputs: rows } }, features), 400, 'invalid_request');
    expect(body.error.issues?.[0].path).toEqual(['inputs', 1]);
    const nan = await call('/v1/predict', { json: { model: 'fixture-features', inputs: [[1, 2, 'x', 0, 1, 2]] } }, features);
    expect(nan.status).toBe(400);
  });

  it('an old bundle with only a probe keeps answering with it (estimated, with a flip probability)', async () => {
    const res = await call('/v1/predict', { json: { inputs: fixture.expected.inputs.slice(0, 2) } });
    const [p] = PredictResponse.parse(await res.json()).predictions;
    expect(p.spurious.intervention).toBe('estimated');
    expect(p.spurious.flip_probability).toEqual(expect.any(Number));
    expect(p.spurious.flip).toBe(p.spurious.flip_probability! >= 0.5);
  });
});
