import { beforeAll, describe, expect, it } from 'vitest';
import { EvaluateResponse, MAX_BATCH, PredictResponse } from '../../shared/src/index.js';
import { SOURCES, call, expectClose, fixture, seedR2 } from './helpers.js';

beforeAll(seedR2);

const { expected } = fixture;

describe.each(SOURCES)('POST /v1/predict from %s', (source) => {
  const opts = { BUNDLE_SOURCE: source };

  it('matches the Node oracle (forwardMlp checked against onnxruntime, shared scoreRow) within 1e-5', async () => {
    const res = await call('/v1/predict', { json: { inputs: expected.inputs, explain: true } }, opts);
    expect(res.status).toBe(200);
    const body = PredictResponse.parse(await res.json());
    expect(body.model).toEqual({ id: 'fixture-mat', version: '1.0.0-fixture' });
    expectClose(body.predictions, expected.predictions);
  });

  it('reports training members with their measured score, new inputs by their nearest exemplars', async () => {
    const res = await call('/v1/predict', { json: { inputs: expected.inputs } }, opts);
    const { predictions } = PredictResponse.parse(await res.json());
    expect(predictions.map((p) => p.memorization.member)).toEqual(expected.member);
    expect(predictions.every((p) => p.memorization.nearest === undefined)).toBe(true);
  });
});

describe('POST /v1/predict', () => {
  it('accepts {features} rows like plain vectors', async () => {
    const inputs = expected.inputs.slice(0, 3);
    const plain = PredictResponse.parse(await (await call('/v1/predict', { json: { inputs } })).json());
    const wrapped = PredictResponse.parse(await (await call('/v1/predict', { json: { inputs: inputs.map((features) => ({ features })) } })).json());
    expect(wrapped).toEqual(plain);
  });

  it(`takes a full batch of ${MAX_BATCH} in one call`, async () => {
    const inputs = Array.from({ length: MAX_BATCH }, (_, i) => expected.inputs[i % expected.inputs.length]);
    const res = await call('/v1/predict', { json: { inputs } });
    expect(res.status).toBe(200);
    const { predictions } = PredictResponse.parse(await res.json());
    expect(predictions).toHaveLength(MAX_BATCH);
    const { nearest: _, ...memorization } = expected.predictions[0].memorization;
    expectClose(predictions[expected.inputs.length], { ...expected.predictions[0], memorization });
  });

  it('serves another configured model by id', async () => {
    const res = await call('/v1/predict', { json: { model: 'fixture-erm', inputs: expected.inputs.slice(0, 2) } });
    expect(res.status).toBe(200);
    expect(PredictResponse.parse(await res.json()).model.id).toBe('fixture-erm');
  });
});

describe('POST /v1/evaluate', () => {
  const { inputs, labels, groups, predictions } = expected;
  const predicted = predictions.map((p) => p.label);
  const accuracy = (idx: number[]) => idx.filter((i) => predicted[i] === labels[i]).length / idx.length;
  const all = inputs.map((_, i) => i);

  it('scores a labelled batch on its true groups', async () => {
    const res = await call('/v1/evaluate', { json: { inputs, labels, groups } });
    expect(res.status).toBe(200);
    const body = EvaluateResponse.parse(await res.json());
    expect(body.n).toBe(inputs.length);
    expect(body.group_source).toBe('true');
    expect(body.accuracy).toBeCloseTo(accuracy(all), 12);
    const present = [...new Set(groups)];
    for (const g of present) expect(body.per_group[g].accuracy).toBeCloseTo(accuracy(all.filter((i) => groups[i] === g)), 12);
    expect(body.worst_group_accuracy).toBeCloseTo(Math.min(...present.map((g) => accuracy(all.filter((i) => groups[i] === g)))), 12);
    const mem = predictions.map((p) => p.memorization.score);
    expect(body.scores.memorization.mean).toBeCloseTo(mem.reduce((s, v) => s + v, 0) / mem.length, 5);
    expect(body.scores.memorization.max).toBeCloseTo(Math.max(...mem), 5);
    expect(body.scores.conflict_rate).toBeCloseTo(predictions.filter((p) => p.spurious.conflict).length / inputs.length, 12);
  });

  it('falls back to XRM-inferred groups (class × cross-mistake) without true groups', async () => {
    const body = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: { inputs, labels } })).json());
    expect(body.group_source).toBe('inferred');
    const inferred = all.map((i) => 2 * labels[i] + (expected.crossMistakes[i] ? 1 : 0));
    expect(body.per_group.map((g) => g.n)).toEqual([0, 1, 2, 3].map((g) => inferred.filter((v) => v === g).length));
    expect(body.per_group[1].name).toBe('digit ≥ 5 · conflicts with shortcut');
  });

  it('flags misclassified, highly memorized and shortcut-reliant inputs by the thresholds', async () => {
    const thresholds = { memorization_percentile: 0.5, reliance: 0.3 };
    const body = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: { inputs, labels, thresholds } })).json());
    const want = all.flatMap((i) => {
      const p = predictions[i];
      const reasons = [
        ...(p.label !== labels[i] ? ['misclassified'] : []),
        ...(p.memorization.percentile >= 0.5 ? ['high_memorization'] : []),
        ...(p.spurious.reliance >= 0.3 ? ['shortcut_reliance'] : []),
      ];
      return reasons.length ? [{ index: i, reasons }] : [];
    });
    expect(body.flagged.map(({ index, reasons }) => ({ index, reasons }))).toEqual(want);
    const strict = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: { inputs, labels: predicted, thresholds: { memorization_percentile: 1, reliance: 1 } } })).json());
    expect(strict.accuracy).toBe(1);
    expect(strict.flagged.every((f) => !f.reasons.includes('misclassified'))).toBe(true);
  });
});
