import { describe, expect, it } from 'vitest';
import { heldOutFlipRate } from '../../trainer/src/algorithms/xrm.js';
import { selectXrm, xrmScore } from '../../trainer/src/pipeline/xrm-selection.js';

/** Logits [n × 2] whose softmax puts probability q on class c_i. */
function logits(classes: number[], q: number): Float32Array {
  const z = new Float32Array(classes.length * 2);
  const margin = Math.log(q / (1 - q));
  classes.forEach((c, i) => { z[i * 2 + c] = margin; });
  return z;
}

describe('heldOutFlipRate: confident flips on validation, where both twins are held out (docs/method.md §1.6)', () => {
  const y = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  it('a confident shortcut learner: every wrong answer with π ≥ ½ counts', () => {
    // Both twins answer 1 on example 0 and 0 on example 4 (two of ten wrong) with q = 0.9 ⇒ π = 0.8.
    const z = logits([1, 0, 0, 0, 0, 1, 1, 1, 1, 1], 0.9);
    expect(heldOutFlipRate(z, z, y, 2)).toBeCloseTo(0.2, 6);
  });
  it('near-random twins flip nothing, however often they are wrong', () => {
    // Wrong on half the examples, but q = 0.7 ⇒ π = 0.4 < ½.
    const z = logits([1, 1, 0, 0, 0, 0, 1, 0, 1, 1], 0.7);
    expect(heldOutFlipRate(z, z, y, 2)).toBe(0);
    // The boundary: q = 0.75 ⇒ π = ½ counts.
    const edge = logits([1, 1, 0, 0, 0, 0, 1, 0, 1, 1], 0.7501);
    expect(heldOutFlipRate(edge, edge, y, 2)).toBeCloseTo(0.5, 6);
  });
  it('a confident right answer never counts, and the two twins are averaged', () => {
    const right = logits(Array.from(y), 0.99), wrong = logits(Array.from(y, (c) => 1 - c), 0.9);
    expect(heldOutFlipRate(right, right, y, 2)).toBe(0);
    expect(heldOutFlipRate(right, wrong, y, 2)).toBeCloseTo(0.5, 6);
  });
});

describe('selectXrm', () => {
  // Measured pattern (planted CSV, seed 0, docs/method.md §1.6): combination 7's twins never fit (lr 1.4e-5, in-sample
  // twin agrees with its labels on 79% of its half), drift labels during training (flip rate 0.217) and flag 26% of
  // validation as conflicting; their final answers are unconfident (mean π 0.24), so they rarely flip a held-out label.
  const fitted = { flipRate: 0.045, valFlipRate: 0.0455, degenerate: false };
  const neverFit = { flipRate: 0.217, valFlipRate: 0.0025, degenerate: false };
  const degenerate = { flipRate: 0, valFlipRate: 0, degenerate: true };
  const runs = [{ flipRate: 0.043, valFlipRate: 0.0225, degenerate: false }, neverFit, fitted, degenerate];

  it("the paper's rule picks the over-flipping run; the held-out rule does not", () => {
    expect(selectXrm(runs, 'paper')).toBe(1);
    expect(selectXrm(runs, 'held-out')).toBe(2);
  });
  it('a degenerate run scores 0 under both rules, whatever its rates say', () => {
    const loud = { flipRate: 0.5, valFlipRate: 0.5, degenerate: true };
    expect(xrmScore(loud, 'paper')).toBe(0);
    expect(xrmScore(loud, 'held-out')).toBe(0);
    expect(selectXrm([loud, fitted], 'held-out')).toBe(1);
    // Every run degenerate: the first one (ties go to the first).
    expect(selectXrm([degenerate, loud], 'paper')).toBe(0);
  });
  it('ties go to the first run, and one run is always selected', () => {
    expect(selectXrm([fitted, { ...fitted }], 'held-out')).toBe(0);
    expect(selectXrm([neverFit], 'held-out')).toBe(0);
    expect(() => selectXrm([], 'paper')).toThrow(/no XRM run/);
  });
});
