import { createHash } from 'node:crypto';
import { BUNDLE_FILES, Manifest, MemorizationIndex, Samples, type FileEntry } from '#shared';
import { writeFolderAtomic } from './atomic.js';

export interface BundleContents {
  /** Everything but `files`, which is computed here from the bytes actually written. */
  manifest: Omit<Manifest, 'files'>;
  model: Uint8Array;
  memorization: MemorizationIndex;
  report?: string;
  reportData?: unknown;
  samples?: Samples;
}

function entry(path: string, bytes: Uint8Array): FileEntry {
  return { path, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Validates and writes a model bundle atomically (docs/design.md "The model bundle"): a schema error
 * throws before anything touches `dir`, and a crash mid-write leaves the previous bundle in place.
 */
export async function writeBundle(dir: string, contents: BundleContents): Promise<Manifest> {
  const enc = new TextEncoder();
  const payload: Record<string, Uint8Array> = {
    [BUNDLE_FILES.model]: contents.model,
    [BUNDLE_FILES.memorization]: enc.encode(JSON.stringify(MemorizationIndex.parse(contents.memorization))),
  };
  if (contents.report !== undefined) payload[BUNDLE_FILES.report] = enc.encode(contents.report);
  if (contents.samples !== undefined) payload[BUNDLE_FILES.samples] = enc.encode(JSON.stringify(Samples.parse(contents.samples)));
  if (contents.reportData !== undefined) payload[BUNDLE_FILES.reportData] = enc.encode(JSON.stringify(contents.reportData));
  const files = Object.entries(payload).map(([name, bytes]) => entry(name, bytes));
  const manifest = Manifest.parse({ ...contents.manifest, files });
  await writeFolderAtomic(dir, { ...payload, [BUNDLE_FILES.manifest]: JSON.stringify(manifest, null, 2) });
  return manifest;
}
