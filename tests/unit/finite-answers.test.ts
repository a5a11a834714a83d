import { describe, expect, it } from 'vitest';
import { ApiError } from '../../worker/src/errors.js';
import { INPUT_MAGNITUDE_LIMIT, nonFinitePath, requireFinite } from '../../worker/src/finite.js';

const row = (v: number) => ({ probabilities: [0.5, 0.5], memorization: { score: v, nearest: [{ id: 1, similarity: 0.9 }] } });

describe('finite answers only', () => {
  it('finds the first non-finite number and its path', () => {
    expect(nonFinitePath(row(0.2))).toBeNull();
    expect(nonFinitePath(row(Number.NaN))).toEqual(['memorization', 'score']);
    expect(nonFinitePath({ logits: Float32Array.of(1, Infinity) })).toEqual(['logits', 1]);
    expect(nonFinitePath([{ a: null, b: 'x' }, { c: [1, -Infinity] }])).toEqual([1, 'c', 1]);
  });

  it('a non-finite answer for an input beyond the limit is a 400 naming the row', () => {
    const x = Float32Array.of(0.1, 0.2, 1e38, 0.3);
    try {
      requireFinite([row(0.1), row(Number.NaN)], x, 2, 'm');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).status).toBe(400);
      expect((e as ApiError).issues).toEqual([{ path: ['inputs', 1], message: expect.stringContaining(`limit ${INPUT_MAGNITUDE_LIMIT}`) }]);
    }
  });

  it('a non-finite answer for an ordinary input is the bundle\'s fault: 503', () => {
    const err = (() => {
      try {
        requireFinite([row(Number.NaN)], Float32Array.of(0.1, 0.2), 2, 'm');
      } catch (e) {
        return e as ApiError;
      }
      return null;
    })();
    expect(err?.status).toBe(503);
    expect(err?.code).toBe('bundle_unavailable');
  });

  it('finite rows pass', () => {
    expect(() => requireFinite([row(0.1), row(1)], new Float32Array(4), 2, 'm')).not.toThrow();
  });
});
