import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SCORE_BINS, emptyHistogram, addToHistogram, evaluateInputs, flagReasons, groupedAccuracy, histogramQuantile, mergeEvaluations,
  quantiles, summarizeEvaluation, addPartial, exactTotal, type EvaluatedInput, type Prediction,
} from '#shared';

const CLASSES = ['a', 'b'];
const GROUPS = ['a·red', 'a·green', 'b·red', 'b·green'];

interface Row { predicted: number; label: number; group: number; crossMistake: boolean; memorization: number; reliance: number; twin: number; cf: number; conflict: boolean; member?: boolean }

function input(r: Row): EvaluatedInput {
  const prediction: Prediction = {
    label: r.predicted, class_name: CLASSES[r.predicted], probabilities: [0.5, 0.5],
    memorization: { score: r.memorization, member: r.member ?? false, estimator: 'label_and_neighbours', percentile: r.memorization, twin_disagreement: r.twin },
    spurious: {
      shortcut_label: 0, shortcut_class_name: 'a', shortcut_confidence: 0.5, conflict: r.conflict, reliance: r.reliance, percentile: r.reliance,
      slice_accuracy: null, intervention: 'estimated', counterfactual_change: r.cf, flip: r.cf >= 0.5, flip_probability: r.cf,
    },
  };
  return { prediction, label: r.label, group: r.group, crossMistake: r.crossMistake };
}

// Scores at bin centres (k + ½)/1000, so that the histogram's quantiles are exact and hand-computable.
const ROWS: Row[] = [
  { predicted: 0, label: 0, group: 0, crossMistake: false, memorization: 0.1005, reliance: 0.9005, twin: 0.0005, cf: 0.2005, conflict: false },
  { predicted: 1, label: 0, group: 1, crossMistake: true, memorization: 0.2005, reliance: 0.8005, twin: 0.0015, cf: 0.4005, conflict: true, member: true },
  { predicted: 1, label: 1, group: 3, crossMistake: false, memorization: 0.3005, reliance: 0.7005, twin: 0.0025, cf: 0.6005, conflict: false },
  { predicted: 1, label: 1, group: 2, crossMistake: true, memorization: 0.4005, reliance: 0.6005, twin: 0.0035, cf: 0.8005, conflict: true },
];

describe('shared evaluation aggregation (what /v1/evaluate and mat-edge evaluate report)', () => {
  const stats = evaluateInputs(ROWS.map(input), 2, 4, true);
  const s = summarizeEvaluation(stats, CLASSES, GROUPS);

  it('hand case: accuracy, worst group and per group on true groups, and on XRM-inferred groups 2·y + e', () => {
    // 3 of 4 right; true groups 0: 1/1, 1: 0/1, 2: 1/1, 3: 1/1 ⇒ worst 0.
    expect(s.n).toBe(4);
    expect(s.accuracy).toBe(0.75);
    expect(s.group_source).toBe('true');
    expect(s.worst_group_accuracy).toBe(0);
    expect(s.per_group.map((g) => [g.n, g.accuracy])).toEqual([[1, 1], [1, 0], [1, 1], [1, 1]]);
    // inferred: row 0 → 0 (right), row 1 → 1 (wrong), row 2 → 2 (right), row 3 → 3 (right)
    expect(s.inferred_groups.perGroup.map((g) => [g.name, g.n, g.accuracy])).toEqual([
      ['a · agrees with shortcut', 1, 1], ['a · conflicts with shortcut', 1, 0], ['b · agrees with shortcut', 1, 1], ['b · conflicts with shortcut', 1, 1],
    ]);
    expect(s.true_groups).toEqual(groupedAccuracy(ROWS.map((r) => r.predicted === r.label), ROWS.map((r) => r.group), GROUPS));
    expect(stats.members).toBe(1);
  });

  it('hand case: score distributions (mean, p50, p95 as numpy, max) and the two conflict rates', () => {
    // memorization 0.1005 … 0.4005: mean 0.2505; p50 at position 1.5 ⇒ 0.2505; p95 at 2.85 ⇒ 0.3005 + 0.85·0.1 = 0.3855
    expect(s.scores.memorization.mean).toBeCloseTo(0.2505, 12);
    expect(s.scores.memorization.p50).toBeCloseTo(0.2505, 12);
    expect(s.scores.memorization.p95).toBeCloseTo(0.3855, 12);
    expect(s.scores.memorization.max).toBe(0.4005);
    expect(s.scores.reliance).toMatchObject({ max: 0.9005 });
    expect(s.scores.reliance.p50).toBeCloseTo(0.7505, 12);
    expect(s.scores.twin_disagreement.mean).toBeCloseTo(0.002, 12);
    expect(s.scores.counterfactual_change!.p95).toBeCloseTo(0.6005 + 0.85 * 0.2, 12);
    expect(s.scores.conflict_rate).toBe(0.5);
    expect(s.scores.prediction_conflict_rate).toBe(0.5);
    expect(summarizeEvaluation(evaluateInputs(ROWS.map(input), 2, 4, false), CLASSES, GROUPS).scores.counterfactual_change).toBeNull();
  });

  it('without true groups the headline is the XRM-inferred groups', () => {
    const inferred = summarizeEvaluation(evaluateInputs(ROWS.map((r) => ({ ...input(r), group: undefined })), 2, null, false), CLASSES, GROUPS);
    expect(inferred.group_source).toBe('inferred');
    expect(inferred.true_groups).toBeNull();
    expect(inferred.per_group).toEqual(s.inferred_groups.perGroup);
    expect(inferred.worst_group_accuracy).toBe(0);
  });

  it('rejects a group id outside the model, naming the input', () => {
    expect(() => evaluateInputs([input({ ...ROWS[0], group: 4 }), input(ROWS[1])], 2, 4, false)).toThrow('group id 4 at index 0');
    expect(() => evaluateInputs([input(ROWS[0]), { ...input(ROWS[1]), group: undefined }], 2, 4, false)).toThrow('input 1 has no group');
  });

  it('flags each reason at its threshold', () => {
    const t = { memorization_percentile: 0.3005, reliance: 0.8, flip_probability: 0.6 };
    expect(ROWS.map((r) => flagReasons(input(r), t))).toEqual([
      ['shortcut_reliance'],
      ['misclassified', 'shortcut_reliance', 'shortcut_conflict'],
      ['high_memorization', 'shortcut_flip'],
      ['high_memorization', 'shortcut_flip', 'shortcut_conflict'],
    ]);
  });

  it('histogram quantiles are within one bin width of the exact quantiles', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
      const h = emptyHistogram();
      values.forEach((v) => addToHistogram(h, v, 'x'));
      const levels = [0, 0.05, 0.5, 0.95, 1];
      const exact = quantiles(values, levels);
      levels.forEach((q, i) => expect(Math.abs(histogramQuantile(h, q) - exact[i])).toBeLessThanOrEqual(1 / SCORE_BINS + 1e-12));
    }));
  });

  it('exact sums: the same correctly rounded total in any order, split anywhere', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.nat(), (values, seed) => {
      const forward: number[] = [], backward: number[] = [];
      values.forEach((v) => addPartial(forward, v));
      [...values].reverse().forEach((v) => addPartial(backward, v));
      const cut = seed % values.length, left: number[] = [], right: number[] = [];
      values.slice(0, cut).forEach((v) => addPartial(left, v));
      values.slice(cut).forEach((v) => addPartial(right, v));
      right.forEach((v) => addPartial(left, v));
      expect(exactTotal(backward)).toBe(exactTotal(forward));
      expect(exactTotal(left)).toBe(exactTotal(forward));
      // Never further from the true sum than plain addition (a double-double reference).
      expect(Math.abs(exactTotal(forward) - values.reduce((s, v) => s + v, 0))).toBeLessThanOrEqual(values.length * Number.EPSILON);
    }));
    // 0.1 + 0.2 + 0.3 in doubles is 0.6000000000000001 added left to right; the correctly rounded exact sum is 0.6.
    const p: number[] = [];
    [0.1, 0.2, 0.3].forEach((v) => addPartial(p, v));
    expect(exactTotal(p)).toBe(0.6);
  });

  it('mergeEvaluations: chunks merged say what one evaluation of the whole set says', () => {
    const row = fc.record({
      predicted: fc.integer({ min: 0, max: 1 }), label: fc.integer({ min: 0, max: 1 }), group: fc.integer({ min: 0, max: 3 }),
      crossMistake: fc.boolean(), conflict: fc.boolean(), member: fc.boolean(),
      memorization: fc.double({ min: 0, max: 1, noNaN: true }), reliance: fc.double({ min: 0, max: 1, noNaN: true }),
      twin: fc.double({ min: 0, max: 1, noNaN: true }), cf: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(fc.property(fc.array(row, { minLength: 2, maxLength: 60 }), fc.integer({ min: 1, max: 59 }), (rows, cut) => {
      const at = Math.min(cut, rows.length - 1);
      const whole = evaluateInputs(rows.map(input), 2, 4, true);
      const merged = mergeEvaluations(evaluateInputs(rows.slice(0, at).map(input), 2, 4, true), evaluateInputs(rows.slice(at).map(input), 2, 4, true));
      // Counts and histograms add exactly; sums are exact (partials), so every reported figure is the same number.
      const { scores: ws, ...wrest } = whole, { scores: ms, ...mrest } = merged;
      expect(mrest).toEqual(wrest);
      for (const k of ['memorization', 'reliance', 'twin_disagreement', 'counterfactual_change'] as const) {
        const { partials: a, ...w } = ws[k]!, { partials: b, ...m } = ms[k]!;
        expect(m).toEqual(w);
        expect(exactTotal(b)).toBe(exactTotal(a));
      }
      expect(summarizeEvaluation(merged, CLASSES, GROUPS)).toEqual(summarizeEvaluation(whole, CLASSES, GROUPS));
    }));
    const noGroups = evaluateInputs([input(ROWS[0])], 2, null, true);
    expect(() => mergeEvaluations(stats, noGroups)).toThrow('true groups');
  });
});
