/** Hex of a SHA-256 digest (Web Crypto: the same code runs in Node ≥ 20 and workerd). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The canonical float32 encoding of a raw input vector, the bytes the membership hash is taken over: each value
 * rounded to float32 (so a JSON round trip of a float32 training example hashes to the same key), then `-0` written
 * as `0` (after the rounding, so a tiny negative that rounds to `-0` is caught too). Numerically equal inputs thus
 * share one key however they are written. The raw vector is hashed, before the manifest's preprocessing: the same
 * raw example is found whatever preprocessing a bundle applies.
 *
 * Bundles written before this canonicalisation hashed the plain float32 bytes. Only rows holding a `-0` hash
 * differently under the two encodings; every other member of an old bundle keeps its key (and a training row with a
 * `-0` in an old bundle is found again once that bundle is retrained).
 */
export function canonicalFloat32(x: ArrayLike<number>): Float32Array {
  const f = Float32Array.from(x as ArrayLike<number>);
  for (let i = 0; i < f.length; i++) if (f[i] === 0) f[i] = 0; // -0 === 0, so this rewrites -0 as +0
  return f;
}

/**
 * Content hash of one raw input vector, the key of the membership audit (trainer and worker both call this):
 * SHA-256 of its canonical float32 little-endian bytes (`canonicalFloat32`), first 128 bits in hex.
 */
export async function contentHash(x: ArrayLike<number>): Promise<string> {
  return (await sha256Hex(new Uint8Array(canonicalFloat32(x).buffer))).slice(0, 32);
}
