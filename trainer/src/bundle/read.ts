import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BUNDLE_FILES, BundleRefused, graphFeeds, verifyBundle, verifyGraph, type BundleGraph, type ExemplarTable, type Manifest,
  type MembershipIndex, type MemorizationIndex, type Samples,
} from '#shared';
import { createOrtSession, ortTensor, type ort } from '../model/ort-node.js';

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
  /** The membership audit over memorization.members, as the worker runs it (prefilter, then sha256). */
  membership: MembershipIndex;
  samples: Samples | null;
  /** memorization.json's exemplars, decoded, and their pixels (image inputs). */
  exemplars: ExemplarTable;
  exemplarPixels: Uint8Array | null;
  /** Every file the manifest lists, verified, by name (report.json, report.html, …). */
  files: Map<string, Uint8Array>;
}

export interface ReadOptions {
  /** Open model.onnx with onnxruntime and check its outputs (names, widths, finite on real rows); default true. */
  graph?: boolean;
}

const asGraph = (session: ort.InferenceSession): BundleGraph => ({
  inputNames: session.inputNames,
  outputNames: session.outputNames,
  run: (x, rows, dim) => session.run(graphFeeds(session.inputNames, ortTensor, x, rows, dim)),
  release: () => session.release(),
});

/** onnxruntime (Node) as the shared verifier runs it; released right after the checks. */
export async function openGraph(bytes: Uint8Array): Promise<BundleGraph> {
  return asGraph(await createOrtSession(bytes));
}

/**
 * An onnxruntime session of a bundle read with `graph: false`, after the graph checks readBundle leaves out then
 * (for callers that validate their own inputs first). Throws a `BundleReadError` naming model.onnx.
 */
export async function openVerifiedSession(bundle: ReadBundle): Promise<ort.InferenceSession> {
  try {
    let session: ort.InferenceSession;
    try {
      session = await createOrtSession(bundle.model);
    } catch (e) {
      throw new BundleRefused(BUNDLE_FILES.model, `could not be loaded by onnxruntime (${e instanceof Error ? e.message : String(e)})`);
    }
    await verifyGraph(asGraph(session), bundle.manifest, bundle);
    return session;
  } catch (e) {
    if (e instanceof BundleRefused) throw new BundleReadError(bundle.dir, e.file, e.reason);
    throw e;
  }
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
    return {
      dir, manifest: v.manifest, model: v.files.get(BUNDLE_FILES.model)!, memorization: v.memorization, membership: v.membership, samples: v.samples,
      exemplars: v.exemplars, exemplarPixels: v.exemplarPixels, files: v.files,
    };
  } catch (e) {
    if (e instanceof BundleRefused) throw new BundleReadError(dir, e.file, e.reason);
    throw e;
  }
}
