import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, MemorizationIndex, parseMemorizationIndex } from '#shared';

const hex32 = fc.stringMatching(/^[0-9a-f]{32}$/);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Keys and values `members` accepts, and ones it does not. */
const key = fc.oneof({ weight: 12, arbitrary: hex32 }, { weight: 1, arbitrary: fc.constantFrom('ABCDEF0123456789ABCDEF0123456789', 'abc', '', 'g'.repeat(32), 'constructor') });
const value = fc.oneof({ weight: 12, arbitrary: finite }, { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, '0.5', null, true, [], {}) });
const members = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(key, value, { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, [], 'members', 3, undefined) },
);
const count = fc.integer({ min: 0, max: 3 });
const exemplars = count.chain((n) => fc.record({
  count: fc.oneof({ weight: 6, arbitrary: fc.constant(n) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, n + 1) }),
  embeddingDim: fc.oneof({ weight: 8, arbitrary: fc.constant(4) }, { weight: 1, arbitrary: fc.constant(0) }),
  ids: fc.array(fc.nat(99), { minLength: n, maxLength: n }),
  labels: fc.array(fc.nat(1), { minLength: n, maxLength: n }),
  scores: fc.array(finite, { minLength: n, maxLength: n }),
  inferredGroups: fc.array(fc.nat(3), { minLength: n, maxLength: n }),
  embeddings: fc.oneof({ weight: 8, arbitrary: fc.constant('AAAAAA==') }, { weight: 1, arbitrary: fc.constant(7) }),
  inputs: fc.constantFrom(null, 'AA=='),
}, { requiredKeys: ['count', 'embeddingDim', 'ids', 'labels', 'scores', 'inferredGroups', 'embeddings', 'inputs'] }));
const index = fc.record({
  formatVersion: fc.oneof({ weight: 6, arbitrary: fc.constant(BUNDLE_FORMAT_VERSION) }, { weight: 1, arbitrary: fc.constantFrom(0, '1') }),
  members,
  prefilter: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('AAAAAA==', undefined) }, { weight: 1, arbitrary: fc.constant(5) }),
  exemplars: fc.oneof({ weight: 8, arbitrary: exemplars }, { weight: 1, arbitrary: fc.constantFrom(null, {}) }),
  extra: fc.constant('kept out'),
}, { requiredKeys: ['formatVersion', 'members', 'exemplars'] });

describe('parseMemorizationIndex', () => {
  it('answers every memorization.json exactly as MemorizationIndex.safeParse does (data, or the same issues)', () => {
    const outcomes = [0, 0];
    fc.assert(fc.property(fc.oneof(index, fc.constantFrom(null, [], 'x', 1)), (raw) => {
      const fast = parseMemorizationIndex(raw), zod = MemorizationIndex.safeParse(raw);
      expect(fast.success).toBe(zod.success);
      outcomes[zod.success ? 1 : 0]++;
      if (fast.success && zod.success) expect(fast.data).toStrictEqual(zod.data);
      else expect(fast.error!.issues).toEqual(zod.error!.issues);
    }), { numRuns: 3000 });
    // Both outcomes were exercised, so the equality above is not vacuous on either side.
    expect(Math.min(...outcomes)).toBeGreaterThan(200);
  });

  it('refuses a member key that is not a content hash, naming it, as zod does', () => {
    const raw = { formatVersion: BUNDLE_FORMAT_VERSION, members: { ['a'.repeat(32)]: 0.5, NOTHEX: 0.1 }, exemplars: { count: 0, embeddingDim: 4, ids: [], labels: [], scores: [], inferredGroups: [], embeddings: '', inputs: null } };
    const r = parseMemorizationIndex(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path)).toContainEqual(['members', 'NOTHEX']);
  });
});
