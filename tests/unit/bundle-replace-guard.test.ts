import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertReplaceable, BundleReplaceRefused } from '../../trainer/src/bundle/replace-guard.js';
import { datasetFingerprint } from '../../trainer/src/data/fingerprint.js';
import { loadDataset } from '../../trainer/src/data/index.js';

async function bundleDir(dataset: object | null): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-guard-'));
  await mkdir(dir, { recursive: true });
  if (dataset) await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ dataset }));
  return dir;
}

describe('a bundle is never silently replaced by one of other data', () => {
  it('fingerprints the training data: same data same print, other data another', async () => {
    const a = await loadDataset({ kind: 'synthetic', noiseStd: 0.5 });
    const b = await loadDataset({ kind: 'synthetic', noiseStd: 0.5 });
    const c = await loadDataset({ kind: 'synthetic', noiseStd: 0.5, seed: 99 });
    expect(datasetFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetFingerprint(a)).toBe(datasetFingerprint(b));
    expect(datasetFingerprint(a)).not.toBe(datasetFingerprint(c));
  });

  it('refuses other data by fingerprint (or by name for older bundles); allows same data, no bundle, or --replace', async () => {
    const mine = { name: 'csv:train.csv', fingerprint: 'a'.repeat(64) };
    const other = await bundleDir({ name: 'csv:train.csv', fingerprint: 'b'.repeat(64) });
    await expect(assertReplaceable(other, mine, false)).rejects.toBeInstanceOf(BundleReplaceRefused);
    await expect(assertReplaceable(other, mine, false)).rejects.toThrow(/holds a bundle trained on other data \(csv:train\.csv, fingerprint bbbbbbbbbbbb\).*--name.*--replace/);
    await expect(assertReplaceable(other, mine, true)).resolves.toBeUndefined();
    await expect(assertReplaceable(await bundleDir({ ...mine }), mine, false)).resolves.toBeUndefined();
    await expect(assertReplaceable(await bundleDir({ name: 'csv:other.csv' }), mine, false)).rejects.toThrow(/other data \(csv:other\.csv\)/);
    await expect(assertReplaceable(await bundleDir({ name: 'csv:train.csv' }), mine, false)).resolves.toBeUndefined();
    await expect(assertReplaceable(await bundleDir(null), mine, false)).resolves.toBeUndefined();
  });
});
