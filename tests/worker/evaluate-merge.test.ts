import { beforeAll, describe, expect, it } from 'vitest';
import {
  EvaluateResponse, ModelDetailResponse, exactTotal, mergeAllEvaluations, summarizeEvaluation, type EvaluationStats,
} from '#shared';
import { call, fixture, seedR2 } from './helpers.js';
import { deref, openapiDoc } from './openapi-doc.js';

beforeAll(seedR2);

const { inputs, labels, groups } = fixture.expected;
const thresholds = { memorization_percentile: 0.5, reliance: 0.3, flip_probability: 0.4 };

async function evaluate(from: number, to: number, withGroups: boolean): Promise<EvaluateResponse> {
  const json = {
    inputs: inputs.slice(from, to), labels: labels.slice(from, to), thresholds, offset: from,
    ...(withGroups ? { groups: groups.slice(from, to) } : {}),
  };
  const res = await call('/v1/evaluate', { json });
  expect(res.status).toBe(200);
  return EvaluateResponse.parse(await res.json());
}

/** The stats with every exact sum rounded once (partials of one sum may be split differently by a different order). */
const rounded = (s: EvaluationStats) => ({
  ...s,
  scores: Object.fromEntries(Object.entries(s.scores).map(([k, h]) => [k, h && { ...h, partials: exactTotal(h.partials) }])),
});

describe('POST /v1/evaluate in chunks', () => {
  it.each([true, false])('merged chunk stats say exactly what one call over all inputs says (groups: %s)', async (withGroups) => {
    const whole = await evaluate(0, inputs.length, withGroups);
    const cuts = [0, 1, 6, 7, 11, inputs.length];
    expect(inputs.length).toBeGreaterThan(12);
    const chunks = await Promise.all(cuts.slice(1).map((to, j) => evaluate(cuts[j], to, withGroups)));
    expect(chunks.map((c) => c.n)).toEqual(cuts.slice(1).map((to, j) => to - cuts[j]));

    // Names from the served manifest, as a client would read them (GET /v1/models/:id).
    const { manifest } = ModelDetailResponse.parse(await (await call(`/v1/models/${whole.model.id}`, {})).json());
    const merged = mergeAllEvaluations(chunks.map((c) => c.stats));
    expect(rounded(merged)).toEqual(rounded(whole.stats));
    const { true_groups: _t, inferred_groups: _i, ...summary } = summarizeEvaluation(merged, manifest!.classNames, manifest!.groupNames);
    const { model: _m, flagged, stats: _s, ...wholeSummary } = whole;
    // Exactly, not approximately: accuracies, worst group, means, quantiles, rates.
    expect(summary).toEqual(wholeSummary);
    expect(summary.group_source).toBe(withGroups ? 'true' : 'inferred');
    // flagged[].index counts in the whole set: the chunks' lists concatenated are the whole call's.
    expect(chunks.flatMap((c) => c.flagged)).toEqual(flagged);
    expect(flagged.length).toBeGreaterThan(0);
    expect(chunks.at(-1)!.flagged.some((f) => f.index >= 11)).toBe(true);
  });

  it('reports the stats of its batch and names a bad offset', async () => {
    const one = await evaluate(5, 6, true);
    expect(one.stats.n).toBe(1);
    expect(one.stats.trueGroups!.n.reduce((a, b) => a + b, 0)).toBe(1);
    expect(one.stats.scores.memorization.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(one.stats.scores.memorization.min).toBe(one.stats.scores.memorization.max);
    const res = await call('/v1/evaluate', { json: { inputs: [inputs[0]], labels: [0], offset: -1 } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { issues: { path: unknown[] }[] } };
    expect(body.error.issues[0].path).toEqual(['offset']);
  });

  it('documents stats and offset in the OpenAPI document', async () => {
    const doc = await openapiDoc();
    const text = JSON.stringify(deref(doc, doc.paths['/v1/evaluate'].post));
    for (const key of ['"offset"', '"stats"', '"partials"', '"inferredGroups"', '"labelConflicts"']) expect(text).toContain(key);
  });
});
