import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MAX_BATCH, MAX_INPUT_DIM, PredictRequest, parsePredictRequest } from '#shared';

/** Numbers JSON can carry, and the ones it cannot (a parse of 1e999 gives Infinity). */
const number = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, 255, 1e308, Infinity, -Infinity, NaN));
const element = fc.oneof({ weight: 12, arbitrary: number }, { weight: 1, arbitrary: fc.constantFrom(null, '1', true, [], {}) });
const vector = fc.oneof(fc.array(element, { maxLength: 6 }), fc.constant([]), fc.constant(new Array(MAX_INPUT_DIM + 1).fill(0)));
const row = fc.oneof(
  { weight: 6, arbitrary: vector },
  { weight: 3, arbitrary: vector.map((features) => ({ features })) },
  { weight: 1, arbitrary: fc.tuple(vector, fc.string()).map(([features, k]) => ({ features, [k]: 1 })) },
  { weight: 1, arbitrary: fc.constantFrom(null, 3, 'x', { feature: [1] }) },
);
const body = fc.record({
  model: fc.oneof(fc.constantFrom('mat-cmnist', 'x', '-bad', 'A', '', 'a'.repeat(65)), fc.constant(null), fc.string()),
  inputs: fc.oneof({ weight: 8, arbitrary: fc.array(row, { maxLength: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(null, {}, 'rows', new Array(MAX_BATCH + 1).fill([1])) }),
  explain: fc.oneof(fc.boolean(), fc.constantFrom(null, 'true', 1)),
  explian: fc.boolean(),
  __proto__: fc.constant({ a: 1 }),
}, { requiredKeys: [] });

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const validVector = fc.array(finite, { minLength: 1, maxLength: 6 });
const validBody = fc.record({
  model: fc.constantFrom('mat-cmnist', 'x', '0-a'),
  inputs: fc.array(fc.oneof(validVector, validVector.map((features) => ({ features }))), { minLength: 1, maxLength: 5 }),
  explain: fc.boolean(),
}, { requiredKeys: ['inputs'] });

describe('parsePredictRequest', () => {
  const outcomes = [0, 0];
  it('answers every body exactly as PredictRequest.safeParse does (data, or the same issues)', () => {
    fc.assert(fc.property(fc.oneof(validBody, body, fc.constantFrom(null, [], 'x', 1)), (b) => {
      const fast = parsePredictRequest(b), zod = PredictRequest.safeParse(b);
      expect(fast.success).toBe(zod.success);
      outcomes[zod.success ? 1 : 0]++;
      if (fast.success && zod.success) expect(fast.data).toStrictEqual(zod.data);
      else expect(fast.error!.issues).toEqual(zod.error!.issues);
    }), { numRuns: 3000 });
    // Both outcomes are exercised, not only the fallback.
    expect(Math.min(...outcomes)).toBeGreaterThan(100);
  });

  it('accepts valid bodies without zod walking them, and sends every invalid one to zod', () => {
    const spy = vi.spyOn(PredictRequest, 'safeParse');
    try {
      const valid = { inputs: [[0, 0.5, 1], { features: [1, 2, 3] }], model: 'mat-cmnist' };
      expect(parsePredictRequest(valid)).toStrictEqual({ success: true, data: { model: 'mat-cmnist', inputs: valid.inputs, explain: false } });
      expect(spy).not.toHaveBeenCalled();
      const bad = parsePredictRequest({ inputs: [[0, Infinity]] });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(bad.success).toBe(false);
      expect(bad.error!.issues[0].path).toEqual(['inputs', 0]);
    } finally {
      spy.mockRestore();
    }
  });
});
