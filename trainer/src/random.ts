/**
 * Seeded randomness for everything the trainer draws (data noise, assignment s, shuffling, flips, init).
 * MT19937 with NumPy's legacy `RandomState(seed)` seeding and sampling, so that the random-search
 * hyper-parameters of combination c are exactly the reference's (docs/method.md §2.6).
 */
export class RandomState {
  private readonly mt = new Uint32Array(624);
  private mti = 625;
  private gaussSpare: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32): ${seed}`);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
  }

  /** Next raw 32-bit draw (genrand_int32). */
  uint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (NumPy `random_sample`). */
  random(): number {
    const a = this.uint32() >>> 5, b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Integer in [0, n) by masked rejection sampling (NumPy legacy `randint(0, n)` for n ≤ 2^32). */
  randint(n: number): number {
    if (n <= 1) return 0;
    const rng = n - 1;
    let mask = rng;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    let v: number;
    do v = (this.uint32() & mask) >>> 0; while (v > rng);
    return v;
  }

  /** Uniformly chosen element (NumPy legacy `choice(items)`). */
  choice<T>(items: readonly T[]): T {
    return items[this.randint(items.length)];
  }

  /** Standard normal draw (Marsaglia polar method, as NumPy legacy `gauss`). */
  normal(mean = 0, std = 1): number {
    if (this.gaussSpare !== null) {
      const g = this.gaussSpare;
      this.gaussSpare = null;
      return mean + std * g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.random() - 1;
      x2 = 2 * this.random() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gaussSpare = f * x1;
    return mean + std * f * x2;
  }

  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.randint(i + 1);
      const t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A fresh, independent stream derived from this one (for sub-tasks that must not shift later draws). */
  fork(): RandomState {
    return new RandomState(this.uint32());
  }
}
