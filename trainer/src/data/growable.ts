type Typed = Float64Array | Int32Array;

/**
 * An append-only typed array for a row count known only at the end of a stream. The first chunk has the size hint
 * (the reader's estimate of the rows), further values go into fixed-size chunks, so growing never copies what is
 * already held. `toArray` returns the first chunk itself when the hint was big enough (no copy: the values are held
 * once), else copies the chunks once into an exact-size array.
 */
export class Growable<T extends Typed> {
  private readonly chunks: T[] = [];
  private current: T;
  private used = 0;
  private total = 0;

  constructor(private readonly make: (n: number) => T, sizeHint = 0, private readonly chunkSize = 1 << 20) {
    this.current = make(sizeHint > 0 ? sizeHint : chunkSize);
  }

  get length(): number {
    return this.total;
  }

  push(value: number): void {
    if (this.used === this.current.length) {
      this.chunks.push(this.current);
      this.current = this.make(this.chunkSize);
      this.used = 0;
    }
    this.current[this.used++] = value;
    this.total++;
  }

  /** The values pushed, in order; the chunks are released. */
  toArray(): T {
    if (this.chunks.length === 0) return this.current.subarray(0, this.used) as T;
    const out = this.make(this.total);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    out.set(this.current.subarray(0, this.used), at);
    this.chunks.length = 0;
    this.current = this.make(0);
    this.used = 0;
    return out;
  }
}

export const float64s = (sizeHint = 0) => new Growable((n) => new Float64Array(n), sizeHint);
export const int32s = (sizeHint = 0) => new Growable((n) => new Int32Array(n), sizeHint, 1 << 16);
