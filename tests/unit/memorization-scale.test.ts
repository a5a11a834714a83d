import { describe, expect, it } from 'vitest';
import {
  QUANTILE_LEVELS, decodeExemplars, float32ToBase64, neighbourMemorization, quantiles, scoreRow, servingTables, softmax,
  type Manifest, type OutputRow, type ScoreCalibration,
} from '#shared';
import { NEIGHBOURS as TRAINER_NEIGHBOURS, scoreCalibration, scoreRows } from '../../trainer/src/pipeline/calibrate.js';
import type { SplitOutputs } from '../../trainer/src/pipeline/outputs.js';

const K = 2, E = 2;
const NEIGHBOURS = { k: 2, temperature: 0.1 };
const calibration = { tau: 1.5, matrix: [[0.8, 0.2], [0.3, 0.7]], classPriors: [0.5, 0.5], epsilon: 1e-6 };
const exemplars = decodeExemplars({
  count: 4, embeddingDim: E, ids: [0, 1, 2, 3], labels: [0, 0, 1, 1], scores: [0.1, 0.2, 0.6, 0.8], inferredGroups: [0, 1, 2, 3],
  embeddings: float32ToBase64(Float32Array.from([1, 0, 0.8, 0.6, 0, 1, -0.6, 0.8])), inputs: null,
});
const probe = { intervention: 'swap', embeddingDim: E, weights: float32ToBase64(Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6])), residualSigma: 0.4, n: 10 };
const tables = servingTables(exemplars, K, probe);

/** Quantiles scale·level: a score v then sits at percentile v / scale (piecewise-linear reading is exact on a line). */
const line = (scale: number) => QUANTILE_LEVELS.map((q) => scale * q);

/** The parts of a manifest that scoreRow reads. */
function manifest(q: Partial<ScoreCalibration['quantiles']>): Manifest {
  const scores: ScoreCalibration = {
    quantileLevels: [...QUANTILE_LEVELS],
    quantiles: { memorization: line(0.5), twinDisagreement: line(1), reliance: line(1), shortcutConfidence: line(1), ...q },
    relianceBucketEdges: [0.5, 1], sliceAccuracy: [], neighbours: NEIGHBOURS, counterfactualProbe: probe,
  };
  return { classNames: ['a', 'b'], calibration, scores } as Partial<Manifest> as Manifest;
}

const row: OutputRow = { logits: [0.4, -0.3], embedding: [0.9, 0.3], twinA: [1, -1], twinB: [0.5, 0.2] };
const current = manifest({ labelledMemorization: line(0.7), measuredMemorization: line(0.8) });
const old = manifest({});

describe('memorization percentile on the scale of the estimator that gave the score', () => {
  it('a training example: its measured score against the training set\'s measured scores', () => {
    const m = scoreRow(row, current, tables, { memberScore: 0.4, label: 0, explain: false }).memorization;
    expect(m).toMatchObject({ score: 0.4, member: true, estimator: 'measured' });
    expect(m.percentile).toBeCloseTo(0.4 / 0.8, 12); // not 0.4 / 0.5, the neighbour estimate's scale
  });

  it('a new input: the neighbour estimate against the neighbour estimate on validation', () => {
    const m = scoreRow(row, current, tables, { memberScore: null, explain: false }).memorization;
    const expected = neighbourMemorization(row.embedding, exemplars, NEIGHBOURS.k, NEIGHBOURS.temperature).score;
    expect(m).toMatchObject({ member: false, estimator: 'neighbours' });
    expect(m.score).toBeCloseTo(expected, 12);
    expect(m.percentile).toBeCloseTo(expected / 0.5, 12);
  });

  it('a new input of a bundle written with expected_label: Σ_c p(c|x) · same-label neighbours, on the same scale', () => {
    const m = manifest({ labelledMemorization: line(0.7) });
    m.scores.neighbours = { ...NEIGHBOURS, estimator: 'expected_label' };
    const got = scoreRow(row, m, tables, { memberScore: null, explain: true }).memorization;
    const p = softmax(row.logits);
    const same = (c: number) => neighbourMemorization(row.embedding, tables.byLabel[c], NEIGHBOURS.k, NEIGHBOURS.temperature).score;
    const expected = p[0] * same(0) + p[1] * same(1);
    expect(got).toMatchObject({ member: false, estimator: 'neighbours' });
    expect(got.score).toBeCloseTo(expected, 12);
    expect(got.score).not.toBeCloseTo(neighbourMemorization(row.embedding, exemplars, NEIGHBOURS.k, NEIGHBOURS.temperature).score, 3);
    expect(got.percentile).toBeCloseTo(expected / 0.5, 12);
    // explain still lists the nearest exemplars of any label
    expect(got.nearest?.map((n) => n.id)).toEqual(neighbourMemorization(row.embedding, exemplars, NEIGHBOURS.k, NEIGHBOURS.temperature).neighbours.map((n) => n.id));
  });

  it('a new labelled input: the label-aware estimate against the label-aware estimate on validation', () => {
    const m = scoreRow(row, current, tables, { memberScore: null, label: 1, explain: false }).memorization;
    // ½(1 − p(1|x)) + ½ · neighbours among label-1 exemplars
    const expected = 0.5 * (1 - softmax(row.logits)[1]) + 0.5 * neighbourMemorization(row.embedding, tables.byLabel[1], NEIGHBOURS.k, NEIGHBOURS.temperature).score;
    expect(m.estimator).toBe('label_and_neighbours');
    expect(m.score).toBeCloseTo(expected, 12);
    expect(m.percentile).toBeCloseTo(expected / 0.7, 12);
  });

  it('old bundles: a labelled input without label-aware quantiles is answered on the neighbour scale; a member falls back to it', () => {
    const labelled = scoreRow(row, old, tables, { memberScore: null, label: 1, explain: false }).memorization;
    const plain = scoreRow(row, old, tables, { memberScore: null, explain: false }).memorization;
    expect(labelled).toEqual(plain);
    expect(labelled.estimator).toBe('neighbours');
    const member = scoreRow(row, old, tables, { memberScore: 0.4, explain: false }).memorization;
    expect(member.percentile).toBeCloseTo(0.4 / 0.5, 12);
  });
});

describe('calibrate computes through the shared scoring (scoreRows gives what scoreRow serves)', () => {
  const n = 12;
  const wave = (i: number, f: number) => Math.sin(12.9898 * i + f) * 2;
  const o: SplitOutputs = {
    n, K, E,
    logits: Float32Array.from({ length: n * K }, (_, i) => wave(i, 1)),
    embedding: Float32Array.from({ length: n * E }, (_, i) => wave(i, 2)),
    twinA: Float32Array.from({ length: n * K }, (_, i) => wave(i, 3)),
    twinB: Float32Array.from({ length: n * K }, (_, i) => wave(i, 4)),
  };
  const labels = Int32Array.from({ length: n }, (_, i) => i % K);
  const rowOf = (i: number): OutputRow => ({
    logits: o.logits.subarray(i * K, (i + 1) * K), embedding: o.embedding.subarray(i * E, (i + 1) * E),
    twinA: o.twinA.subarray(i * K, (i + 1) * K), twinB: o.twinB.subarray(i * K, (i + 1) * K),
  });

  it('every column equals the served field, row by row', () => {
    const s = scoreRows(o, calibration, tables, labels, NEIGHBOURS);
    for (let i = 0; i < n; i++) {
      const p = scoreRow(rowOf(i), current, tables, { memberScore: null, explain: false });
      const pl = scoreRow(rowOf(i), current, tables, { memberScore: null, label: labels[i], explain: false });
      expect(s.predicted[i]).toBe(p.label);
      expect(s.memorization[i]).toBe(p.memorization.score);
      expect(s.labelledMemorization[i]).toBe(pl.memorization.score);
      expect(s.twinDisagreement[i]).toBe(p.memorization.twin_disagreement);
      expect(s.reliance[i]).toBe(p.spurious.reliance);
      expect(s.shortcutConfidence[i]).toBe(p.spurious.shortcut_confidence);
      expect(s.shortcutLabel[i]).toBe(p.spurious.shortcut_label);
      expect(s.conflict[i]).toBe(p.spurious.conflict ? 1 : 0);
      expect(s.counterfactualChange[i]).toBe(p.spurious.counterfactual_change);
      expect(s.flipProbability[i]).toBe(p.spurious.flip_probability);
    }
    expect(new Set(s.predicted).size).toBe(K); // the rows are not all alike
  });

  it('the trainer\'s own settings (expected_label) write the estimator the rows were scored with, and scoreRow serves the same numbers', () => {
    const s = scoreRows(o, calibration, tables, labels);
    const cal = scoreCalibration(s, labels, K, probe);
    expect(cal.neighbours).toEqual(TRAINER_NEIGHBOURS);
    expect(cal.neighbours.estimator).toBe('expected_label');
    const m = { ...current, scores: { ...current.scores, neighbours: cal.neighbours } } as Manifest;
    for (let i = 0; i < n; i++) expect(s.memorization[i]).toBe(scoreRow(rowOf(i), m, tables, { memberScore: null, explain: false }).memorization.score);
    expect(cal.quantiles.memorization).toEqual(quantiles(s.memorization, QUANTILE_LEVELS));
  });

  it('writes the measured memorization quantiles of the training set when given them', () => {
    const s = scoreRows(o, calibration, tables, labels, NEIGHBOURS);
    const measured = Float64Array.from([0.9, 0, 0.3, 0.5, 0.05]);
    const cal = scoreCalibration(s, labels, K, probe, measured);
    expect(cal.quantiles.measuredMemorization).toEqual(quantiles(measured, QUANTILE_LEVELS));
    expect(cal.quantiles.measuredMemorization![5]).toBe(0.3); // median
    expect(cal.quantiles.labelledMemorization).toEqual(quantiles(s.labelledMemorization, QUANTILE_LEVELS));
    expect(scoreCalibration(s, labels, K, probe).quantiles.measuredMemorization).toBeUndefined();
  });
});
