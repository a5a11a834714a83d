import { describe, expect, it } from 'vitest';
import { canonicalFloat32, contentHash, sha256Hex } from '#shared';

describe('membership hash on canonical values', () => {
  it('-0 and 0 give one key, also for a negative that rounds to -0 in float32', async () => {
    const row = [0, 0.25, 1, 0];
    const key = await contentHash(row);
    expect(await contentHash([-0, 0.25, 1, 0])).toBe(key);
    expect(await contentHash([0, 0.25, 1, -1e-50])).toBe(key);
    expect(Object.is(canonicalFloat32([-0])[0], 0)).toBe(true);
  });

  it('rows without -0 keep the plain float32 key of older bundles', async () => {
    const row = [0, 0.1, 0.7, 1, 3.5];
    const plain = (await sha256Hex(new Uint8Array(Float32Array.from(row).buffer))).slice(0, 32);
    expect(await contentHash(row)).toBe(plain);
  });

  it('different values still differ', async () => {
    expect(await contentHash([0, 1])).not.toBe(await contentHash([1, 0]));
    expect(await contentHash([0.5])).not.toBe(await contentHash([0.5000001]));
  });
});
