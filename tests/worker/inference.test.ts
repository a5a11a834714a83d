import { beforeAll, describe, expect, it } from 'vitest';
import { EvaluateResponse, MAX_BATCH, PredictResponse, QUANTILE_LEVELS, percentileFromQuantiles, quantiles } from '#shared';
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

  it("ranks a member's measured score among the training set's measured scores, a new input's estimate among validation's", async () => {
    const { predictions } = PredictResponse.parse(await (await call('/v1/predict', { json: { inputs: expected.inputs } }, opts)).json());
    const measured = quantiles(expected.memberScores, QUANTILE_LEVELS);
    const members = predictions.filter((p) => p.memorization.member);
    expect(members).toHaveLength(2);
    for (const p of members) {
      expect(p.memorization.estimator).toBe('measured');
      expect(p.memorization.percentile).toBeCloseTo(percentileFromQuantiles(p.memorization.score, measured, QUANTILE_LEVELS), 12);
    }
    // fixture-mat's neighbour quantiles are 0.8·level: a new input's percentile is its estimate / 0.8.
    for (const p of predictions.filter((q) => !q.memorization.member)) expect(p.memorization.percentile).toBeCloseTo(Math.min(1, p.memorization.score / 0.8), 12);
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
  const { inputs, labels, groups, predictions, crossMistakes, labelledMemorization } = expected;
  const predicted = predictions.map((p) => p.label);
  const accuracy = (idx: number[]) => idx.filter((i) => predicted[i] === labels[i]).length / idx.length;
  const all = inputs.map((_, i) => i);
  const rate = (bits: boolean[]) => bits.filter(Boolean).length / bits.length;

  type Thresholds = { memorization_percentile: number; reliance: number; flip_probability?: number };
  /**
   * The flagged list the route must return for probes `probe[j]` labelled `ys[j]`, with cross-mistake bits `conflicts[j]`;
   * `memorizationPercentile[j]` is the label-aware percentile, or null to leave high_memorization out of the comparison.
   */
  function expectedFlags(probe: number[], ys: number[], conflicts: boolean[], t: Thresholds, memorizationPercentile: (number | null)[]) {
    return probe.flatMap((i, j) => {
      const p = predictions[i], mp = memorizationPercentile[j];
      const reasons = [
        ...(p.label !== ys[j] ? ['misclassified'] : []),
        ...(mp !== null && mp >= t.memorization_percentile ? ['high_memorization'] : []),
        ...(p.spurious.reliance >= t.reliance ? ['shortcut_reliance'] : []),
        ...(p.spurious.flip_probability! >= (t.flip_probability ?? 0.5) ? ['shortcut_flip'] : []),
        ...(conflicts[j] ? ['shortcut_conflict'] : []),
      ];
      return reasons.length ? [{ index: j, label: ys[j], predicted: p.label, reasons, conflict: conflicts[j] }] : [];
    });
  }
  const flagsOf = (body: EvaluateResponse) => body.flagged.map(({ index, label, predicted, reasons, conflict }) => ({ index, label, predicted, reasons, conflict }));

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
    // Memorization given the label: measured for members, ½(1 − p(y|x)) + ½ same-label neighbours for the others.
    expect(labelledMemorization.map((m) => m.estimator)).toEqual(expected.member.map((m) => (m ? 'measured' : 'label_and_neighbours')));
    const mem = labelledMemorization.map((m) => m.score);
    expect(body.scores.memorization.mean).toBeCloseTo(mem.reduce((s, v) => s + v, 0) / mem.length, 5);
    expect(body.scores.memorization.max).toBeCloseTo(Math.max(...mem), 5);
    expect(body.scores.conflict_rate).toBeCloseTo(rate(crossMistakes), 12);
    expect(body.scores.prediction_conflict_rate).toBeCloseTo(rate(predictions.map((p) => p.spurious.conflict)), 12);
  });

  it('falls back to XRM-inferred groups (class × cross-mistake) without true groups', async () => {
    const body = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: { inputs, labels } })).json());
    expect(body.group_source).toBe('inferred');
    const inferred = all.map((i) => 2 * labels[i] + (crossMistakes[i] ? 1 : 0));
    expect(body.per_group.map((g) => g.n)).toEqual([0, 1, 2, 3].map((g) => inferred.filter((v) => v === g).length));
    expect(body.per_group[1].name).toBe('digit ≥ 5 · conflicts with shortcut');
  });

  it('flags misclassified, highly memorized, shortcut-reliant and shortcut-conflicting inputs', async () => {
    const thresholds = { memorization_percentile: 0.5, reliance: 0.3, flip_probability: 0.4 };
    const body = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: { inputs, labels, thresholds } })).json());
    expect(flagsOf(body)).toEqual(expectedFlags(all, labels, crossMistakes, thresholds, labelledMemorization.map((m) => m.percentile)));
    for (const reason of ['high_memorization', 'shortcut_flip', 'shortcut_conflict']) expect(body.flagged.some((f) => f.reasons.includes(reason as never)), reason).toBe(true);
    body.flagged.forEach((f) => {
      expectClose(f.memorization, labelledMemorization[f.index].score);
      expectClose(f.flip_probability, predictions[f.index].spurious.flip_probability);
    });
    const strict = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: { inputs, labels: predicted, thresholds: { memorization_percentile: 1, reliance: 1 } } })).json());
    expect(strict.accuracy).toBe(1);
    expect(strict.flagged.every((f) => !f.reasons.includes('misclassified'))).toBe(true);
  });

  describe('label-aware shortcut conflict', () => {
    // Every probe with its own label, then each probe both twins answer with its label (crossMistakes false) again with
    // the other label (K = 2), which both twins then miss: the same input agreeing with and conflicting with the shortcut.
    const agreeing = all.filter((i) => !crossMistakes[i]);
    const probe = [...all, ...agreeing];
    const ys = [...labels, ...agreeing.map((i) => 1 - labels[i])];
    const conflicts = [...crossMistakes, ...agreeing.map(() => true)];
    const batch = { inputs: probe.map((i) => inputs[i]), labels: ys };
    const thresholds = { memorization_percentile: 0.5, reliance: 0.3 };

    it('the batch mixes labels that agree and conflict with the twins, and differs from the label-free rule', () => {
      expect(conflicts).toContain(true);
      expect(conflicts).toContain(false);
      const predictionConflicts = probe.map((i) => predictions[i].spurious.conflict);
      expect(conflicts).not.toEqual(predictionConflicts);
      expect(rate(conflicts)).not.toBeCloseTo(rate(predictionConflicts), 6);
    });

    it('reports conflict, the shortcut_conflict reason and conflict_rate from the cross-mistake bit of the given label', async () => {
      const res = await call('/v1/evaluate', { json: { ...batch, thresholds } });
      expect(res.status).toBe(200);
      const body = EvaluateResponse.parse(await res.json());
      expect(body.n).toBe(probe.length);
      expect(body.scores.conflict_rate).toBeCloseTo(rate(conflicts), 12);
      expect(body.flagged.filter((f) => f.reasons.includes('shortcut_conflict')).map((f) => f.index))
        .toEqual(probe.flatMap((_, j) => (conflicts[j] ? [j] : [])));
      // The relabelled copies' memorization given their new label is not in the fixture: high_memorization is left out.
      const withoutMemorization = (flags: ReturnType<typeof flagsOf>) => flags
        .map((f) => ({ ...f, reasons: f.reasons.filter((r) => r !== 'high_memorization') })).filter((f) => f.reasons.length);
      expect(withoutMemorization(flagsOf(body))).toEqual(expectedFlags(probe, ys, conflicts, thresholds, probe.map(() => null)));
      // Only the label changed between the two copies of an agreeing probe: every other score is the same.
      const byIndex = new Map(body.flagged.map((f) => [f.index, f]));
      agreeing.forEach((i, k) => {
        const copy = byIndex.get(all.length + k);
        expect(copy?.conflict).toBe(true);
        expect(byIndex.get(i)?.conflict ?? false).toBe(false);
        // The label changes the label-aware memorization of a new input (½(1 − p(y|x)) …), not that of a training member.
        if (expected.member[i]) expectClose(copy?.memorization, predictions[i].memorization.score);
        expectClose(copy?.reliance, predictions[i].spurious.reliance);
      });
    });

    it('reports prediction_conflict_rate as the share of /v1/predict answers that go against the shortcut', async () => {
      const body = EvaluateResponse.parse(await (await call('/v1/evaluate', { json: batch })).json());
      const predicted = PredictResponse.parse(await (await call('/v1/predict', { json: { inputs: batch.inputs } })).json());
      expect(predicted.predictions).toHaveLength(probe.length);
      expect(body.scores.prediction_conflict_rate).toBeCloseTo(rate(predicted.predictions.map((p) => p.spurious.conflict)), 12);
      expect(body.scores.prediction_conflict_rate).not.toBeCloseTo(body.scores.conflict_rate, 6);
    });
  });
});
