import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../trainer/src/backend.js';
import { classBalancedWeights, perExampleCE, weightedCE } from '../../trainer/src/algorithms/losses.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('classBalancedWeights: w_i = 1/|{j : y_j = y_i}| (docs/method.md §1.3 step 3)', () => {
  it('hand cases', () => {
    // [0,0,1]: class 0 has 2 ⇒ 1/2 each; class 1 has 1 ⇒ 1
    expect(Array.from(classBalancedWeights([0, 0, 1]))).toEqual([0.5, 0.5, 1]);
    // [2,0,2,2,1]: class 2 ×3 ⇒ 1/3, class 0 ×1 ⇒ 1, class 1 ×1 ⇒ 1
    const w = classBalancedWeights(Int32Array.of(2, 0, 2, 2, 1));
    [1 / 3, 1, 1 / 3, 1 / 3, 1].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 6));
    // weights sum to the number of classes present (sum of per-class means, not an average)
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 6);
    expect(classBalancedWeights([])).toHaveLength(0);
  });
});

describe('weightedCE with class-balanced weights = Σ_classes mean CE of that class', () => {
  it('K = 2 hand case', () => {
    // ex0: z = [0, 0],   y = 0 ⇒ CE = ln 2
    // ex1: z = [ln3, 0], y = 0 ⇒ p = 3/4 ⇒ CE = ln(4/3)
    // ex2: z = [0, ln3], y = 1 ⇒ CE = ln(4/3)
    // class-balanced = (ln2 + ln(4/3))/2 + ln(4/3) = 0.346574 + 0.431523 = 0.778097  (plain mean would be 0.422879)
    const labels = [0, 0, 1];
    const loss = tf.tidy(() =>
      weightedCE(tf.tensor2d([[0, 0], [Math.log(3), 0], [0, Math.log(3)]]), tf.tensor1d(labels, 'int32'), classBalancedWeights(labels), 2).dataSync()[0],
    );
    expect(loss).toBeCloseTo(0.5 * Math.log(2) + 1.5 * Math.log(4 / 3), 5);
    expect(loss).toBeCloseTo(0.778097, 5);
  });

  it('K = 3 hand case', () => {
    // ex0: z = [0,0,0],       y = 2 ⇒ CE = ln 3            = 1.098612
    // ex1: z = [ln2,0,0],     y = 0 ⇒ p = 2/4 ⇒ CE = ln 2  = 0.693147
    // ex2: z = [0,0,ln2],     y = 2 ⇒ p = 2/4 ⇒ CE = ln 2
    // classes: 2 → mean(ln3, ln2) = 0.895880; 0 → ln2 = 0.693147 ⇒ total = 1.589027
    const labels = [2, 0, 2];
    const logits = [[0, 0, 0], [Math.log(2), 0, 0], [0, 0, Math.log(2)]];
    const [loss, ce] = tf.tidy(() => {
      const z = tf.tensor2d(logits), y = tf.tensor1d(labels, 'int32');
      return [weightedCE(z, y, classBalancedWeights(labels), 3).dataSync()[0], Array.from(perExampleCE(z, y, 3).dataSync())];
    });
    expect(ce[0]).toBeCloseTo(Math.log(3), 5);
    expect(ce[1]).toBeCloseTo(Math.log(2), 5);
    expect(ce[2]).toBeCloseTo(Math.log(2), 5);
    expect(loss).toBeCloseTo((Math.log(3) + Math.log(2)) / 2 + Math.log(2), 5);
    expect(loss).toBeCloseTo(1.589027, 5);
  });
});
