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
  return canonicalContentHash(canonicalFloat32(x));
}

/** `contentHash` of a vector already in its canonical encoding. */
export async function canonicalContentHash(canonical: Float32Array): Promise<string> {
  return (await sha256Hex(new Uint8Array(canonical.buffer, canonical.byteOffset, canonical.byteLength))).slice(0, 32);
}

/**
 * 32-bit key of a canonical vector (`canonicalFloat32`) for the membership prefilter: FNV-1a over its float32 words,
 * then murmur3's finaliser. Synchronous and ~1 µs for 392 values, where the sha256 of `contentHash` is an async
 * digest of ~40 µs: an input whose key is not among the members' keys is certainly not a member, so only the rare
 * input whose key is there is hashed (a chance collision of a non-member costs one digest, never a wrong answer).
 */
export function prefilterKey(canonical: Float32Array): number {
  const words = new Uint32Array(canonical.buffer, canonical.byteOffset, canonical.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The membership prefilter of memorization.json: the distinct `prefilterKey`s of the raw training inputs, ascending. */
export function membershipPrefilter(rows: Iterable<ArrayLike<number>>): Uint32Array {
  const keys = new Set<number>();
  for (const row of rows) keys.add(prefilterKey(canonicalFloat32(row)));
  return Uint32Array.from(keys).sort();
}
