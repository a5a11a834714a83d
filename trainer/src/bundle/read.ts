import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BUNDLE_FILES, BundleRefused, ONNX_INPUT, verifyBundle, type BundleGraph, type Manifest, type MemorizationIndex, type Samples,
} from '../../../shared/src/index.js';
import { createOrtSession, ort } from '../model/ort-node.js';

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

export interface ReadOptions {
  /** Open model.onnx with onnxruntime and check its outputs (names, widths, finite on real rows); default true. */
  graph?: boolean;
}

/** onnxruntime (Node) as the shared verifier runs it; released right after the checks. */
async function openGraph(bytes: Uint8Array): Promise<BundleGraph> {
  const session = await createOrtSession(bytes);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (x, rows, dim) => session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [rows, dim]) }),
    release: () => session.release(),
  };
}

/**
 * Reads and verifies a bundle folder with the worker's own verifier (shared/src/bundle-verify.ts): manifest schema,
 * every listed file's byte size and sha256, memorization.json and samples.json, the counterfactual probe and the
 * ONNX graph (unless `graph: false`). Throws a `BundleReadError` naming the file and the reason on the first failure.
 * @example const { manifest, model } = await readBundle('bundles/mat-cmnist');
 */
export async function readBundle(dir: string, { graph = true }: ReadOptions = {}): Promise<ReadBundle> {
  const read = async (file: string): Promise<Uint8Array | null> => {
    try {
      return new Uint8Array(await readFile(path.join(dir, file)));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      throw new BundleRefused(file, `cannot be read (${code ?? (e as Error).message})`);
    }
  };
  try {
    const v = await verifyBundle({
      read,
      where: (file) => (file === BUNDLE_FILES.manifest ? 'is this a bundle folder?' : path.join(dir, file)),
      sha256: async (bytes) => createHash('sha256').update(bytes).digest('hex'),
      ...(graph ? { openGraph } : {}),
    });
    await v.graph?.release?.();
    return { dir, manifest: v.manifest, model: v.files.get(BUNDLE_FILES.model)!, memorization: v.memorization, samples: v.samples, files: v.files };
  } catch (e) {
    if (e instanceof BundleRefused) throw new BundleReadError(dir, e.file, e.reason);
    throw e;
  }
}
