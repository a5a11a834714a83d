import { describe, expect, it, vi } from 'vitest';
import { MembershipIndex, canonicalFloat32, contentHash, membershipPrefilter, prefilterKey } from '#shared';
import { RandomState } from '../../trainer/src/random.js';

const rng = new RandomState(7);
const vector = () => Array.from({ length: 392 }, () => (rng.random() < 0.7 ? 0 : Math.round(255 * rng.random()) / 255));
const members = Array.from({ length: 500 }, vector);
const strangers = Array.from({ length: 500 }, vector);
const scores = members.map(() => rng.random());
const record = async () => Object.fromEntries(await Promise.all(members.map(async (m, i) => [await contentHash(m), scores[i]] as const)));

describe('membership prefilter', () => {
  it('finds every member with its measured score and no stranger, with and without the prefilter', async () => {
    const byHash = await record();
    const filtered = new MembershipIndex(byHash, membershipPrefilter(members));
    const plain = new MembershipIndex(byHash, null);
    // The same vectors written another way: -0 for 0, and float64 values that round to the same float32.
    const rewritten = members.map((m) => m.map((v) => (v === 0 ? -0 : Math.fround(v) + 1e-12)));
    for (const index of [filtered, plain]) {
      expect(await index.lookup(members)).toEqual(scores);
      expect(await index.lookup(rewritten)).toEqual(scores);
      expect(await index.lookup(strangers)).toEqual(strangers.map(() => null));
    }
    // A stranger one ULP away from a member is not one.
    const near = members[3].slice();
    near[100] = near[100] === 0 ? 1e-45 : near[100] * (1 + 2 ** -20);
    expect(await filtered.lookup([near, members[3]])).toEqual([null, scores[3]]);
  });

  it('hashes only the inputs whose key is a member key', async () => {
    const index = new MembershipIndex(await record(), membershipPrefilter(members));
    const digest = vi.spyOn(crypto.subtle, 'digest');
    try {
      await index.lookup([...strangers, members[0], members[1]]);
      // Every stranger's key missing from 500 member keys out of 2^32 is all but certain (p ≈ 6e-5), and checked here.
      const keys = new Set(membershipPrefilter(members));
      const chance = strangers.filter((s) => keys.has(prefilterKey(canonicalFloat32(s)))).length;
      expect(digest).toHaveBeenCalledTimes(2 + chance);
    } finally {
      digest.mockRestore();
    }
  });

  it('keys are distinct, ascending, and the same for numerically equal inputs', () => {
    const keys = membershipPrefilter([...members, members[0].map((v) => (v === 0 ? -0 : v))]);
    expect(keys.length).toBe(new Set(members.map((m) => prefilterKey(canonicalFloat32(m)))).size);
    for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeGreaterThan(keys[i - 1]);
  });
});
