import { describe, expect, it } from 'vitest';
import { fitLabelTemperature, inclusionWeights } from '../../trainer/src/validation/memorization.js';

describe('label-free memorization candidates: helpers', () => {
  it('inclusionWeights: the top half of the scores weigh 1, the sampled rest (population − top) / (count − top)', () => {
    const w = inclusionWeights({ count: 4, scores: [0.1, 0.9, 0.5, 0.2] }, 10);
    // top floor(4/2) = 2: rows 1 and 2; the other 2 stand for the remaining 8 examples.
    expect(Array.from(w)).toEqual([4, 1, 1, 4]);
    expect(Array.from(inclusionWeights({ count: 3, scores: [0, 1, 2] }, 3))).toEqual([1, 1, 1]);
  });
  it('fitLabelTemperature: recovers the temperature that made the labels', () => {
    // Logits 4·(±1) with labels drawn so that p(y = argmax) = sigmoid(8 / 4) (temperature 4).
    const n = 4000, K = 2, logits = new Float32Array(n * K), y = new Int32Array(n);
    const pTrue = 1 / (1 + Math.exp(-8 / 4));
    for (let i = 0; i < n; i++) {
      logits[i * K] = 4; logits[i * K + 1] = -4;
      y[i] = i / n < pTrue ? 0 : 1;
    }
    expect(fitLabelTemperature(logits, y, K)).toBeGreaterThan(3.7);
    expect(fitLabelTemperature(logits, y, K)).toBeLessThan(4.3);
  });
});
