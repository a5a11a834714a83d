import { canonicalContentHash, canonicalFloat32, prefilterKey } from './hash.js';

/**
 * The membership audit as the worker runs it: contentHash(raw input) → measured memorization of that training
 * example. With the bundle's prefilter (`membershipPrefilter`, sorted uint32 keys), an input is hashed only where its
 * 32-bit key is a member's; without one (bundles written before it) every input is hashed. The answers are the same.
 */
export class MembershipIndex {
  readonly size: number;

  constructor(private readonly members: Readonly<Record<string, number>>, private readonly prefilter: Uint32Array | null) {
    this.size = Object.keys(members).length;
  }

  private mayBeMember(key: number): boolean {
    const keys = this.prefilter!;
    let lo = 0, hi = keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] === key) return true;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Measured score of each input that is a training example, null for the others. */
  async lookup(vectors: readonly ArrayLike<number>[]): Promise<(number | null)[]> {
    if (this.size === 0) return vectors.map(() => null);
    return Promise.all(vectors.map(async (v) => {
      const canonical = canonicalFloat32(v);
      if (this.prefilter && !this.mayBeMember(prefilterKey(canonical))) return null;
      const hash = await canonicalContentHash(canonical);
      return Object.hasOwn(this.members, hash) ? this.members[hash] : null;
    }));
  }
}
