/** Hex of a SHA-256 digest (Web Crypto: the same code runs in Node ≥ 20 and workerd). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Content hash of one raw input vector, the key of the membership audit: SHA-256 of its float32
 * little-endian bytes, first 128 bits in hex. Rounding to float32 first makes a JSON round trip
 * of a float32 training example hash to the same key.
 */
export async function contentHash(x: ArrayLike<number>): Promise<string> {
  const f = Float32Array.from(x as ArrayLike<number>);
  return (await sha256Hex(new Uint8Array(f.buffer))).slice(0, 32);
}
