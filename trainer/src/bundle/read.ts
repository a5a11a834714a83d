import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { BUNDLE_FILES, Manifest, MemorizationIndex, Samples } from '../../../shared/src/index.js';

/** A bundle folder that must not be used; `file` is the bundle file at fault, the message says why. */
export class BundleReadError extends Error {
  override readonly name = 'BundleReadError';

  constructor(readonly dir: string, readonly file: string, readonly reason: string) {
    super(`bundle ${dir}: ${file}: ${reason}`);
  }
}

export interface ReadBundle {
  dir: string;
  manifest: Manifest;
  /** model.onnx bytes (sha256-verified). */
  model: Uint8Array;
  memorization: MemorizationIndex;
  samples: Samples | null;
  /** Every file the manifest lists, verified, by name (report.json, report.html, …). */
  files: Map<string, Uint8Array>;
}

function schemaReason(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return `does not match the bundle schema (${first}${error.issues.length > 3 ? `; +${error.issues.length - 3} more` : ''})`;
}

/**
 * Reads and verifies a bundle folder the way the worker does before serving it: manifest.json against the shared
 * zod schema, every listed file's byte size and sha256, memorization.json (and samples.json when listed) against
 * their schemas. Throws a `BundleReadError` naming the file and the reason on the first failure.
 * @example const { manifest, model } = await readBundle('bundles/mat-cmnist');
 */
export async function readBundle(dir: string): Promise<ReadBundle> {
  const fail = (file: string, reason: string): never => {
    throw new BundleReadError(dir, file, reason);
  };
  const read = async (file: string, listed: boolean): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(path.join(dir, file)));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return fail(file, listed ? 'listed in the manifest but missing' : 'not found (is this a bundle folder?)');
      return fail(file, `cannot be read (${code ?? (e as Error).message})`);
    }
  };
  const parse = <T>(file: string, bytes: Uint8Array, schema: z.ZodType<T>): T => {
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      return fail(file, `is not valid JSON (${(e as Error).message})`);
    }
    const parsed = schema.safeParse(raw);
    return parsed.success ? parsed.data : fail(file, schemaReason(parsed.error));
  };

  const manifest = parse(BUNDLE_FILES.manifest, await read(BUNDLE_FILES.manifest, false), Manifest);
  const files = new Map<string, Uint8Array>();
  for (const entry of manifest.files) {
    const bytes = await read(entry.path, true);
    if (bytes.byteLength !== entry.bytes) fail(entry.path, `size mismatch (manifest ${entry.bytes} bytes, file ${bytes.byteLength} bytes)`);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== entry.sha256) fail(entry.path, `sha256 mismatch (manifest ${entry.sha256}, file ${digest})`);
    files.set(entry.path, bytes);
  }

  const memorization = parse(BUNDLE_FILES.memorization, files.get(BUNDLE_FILES.memorization)!, MemorizationIndex);
  const { embeddingDim } = manifest.architecture;
  if (memorization.exemplars.count > 0 && memorization.exemplars.embeddingDim !== embeddingDim)
    fail(BUNDLE_FILES.memorization, `exemplars have embeddingDim ${memorization.exemplars.embeddingDim}, the model's embedding is ${embeddingDim}`);
  const samplesBytes = files.get(BUNDLE_FILES.samples);
  const samples = samplesBytes ? parse(BUNDLE_FILES.samples, samplesBytes, Samples) : null;
  return { dir, manifest, model: files.get(BUNDLE_FILES.model)!, memorization, samples, files };
}
