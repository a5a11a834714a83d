import {
  BundleRefused, graphFeeds, sha256Hex, verifyBundle, type BundleGraph, type Manifest, type MembershipIndex, type Samples, type ServingTables,
} from '#shared';
import { createSession, ortTensor, type ort } from '../ort-session.js';
import type { BundleSource } from './source.js';

export { BundleRefused };

/**
 * The bundle's ORT session as requests use it: runs are counted so that a session replaced by a newer bundle is
 * released only once no request runs on it (see registry.ts).
 */
export class ServedSession {
  private inFlight = 0;
  private released = false;

  constructor(private readonly session: ort.InferenceSession) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** `InferenceSession.run`, counted. */
  async run(feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.OnnxValueMapType> {
    if (this.released) throw new Error('the ORT session of a replaced bundle was already released');
    this.inFlight++;
    try {
      return await this.session.run(feeds);
    } finally {
      this.inFlight--;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

/** The session as the shared verifier runs it. */
function asGraph(session: ServedSession): BundleGraph & { session: ServedSession } {
  return {
    session,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (x, rows, dim) => session.run(graphFeeds(session.inputNames, ortTensor, x, rows, dim)),
    release: () => session.release(),
  };
}

/** A verified bundle, decoded once per isolate. */
export interface LoadedBundle {
  id: string;
  /** The version that answers: its published name (`<path>/<version>/`), else the manifest's model.version. */
  version: string;
  /** Whether it was published under a version folder (and may be pinned as `id@version`). */
  published: boolean;
  manifest: Manifest;
  /** Storage fingerprint of every file this bundle was verified from (source.ts); a different one means a new bundle. */
  fingerprint: string;
  session: ServedSession;
  /** Exemplars (whole and by label) and the counterfactual probe, as the shared scorers take them. */
  tables: ServingTables;
  /** Exemplar pixels, uint8 [count × input.dim] (image inputs only), and the row of each exemplar id. */
  exemplarPixels: Uint8Array | null;
  exemplarRow: Map<number, number>;
  /** contentHash(raw training input) → measured memorization score, behind the bundle's prefilter. */
  members: MembershipIndex;
  samples: Samples | null;
}

/**
 * Loads one bundle through the shared verifier (schema, sizes and sha256, probe, samples, ONNX graph and finite
 * outputs on real rows). Throws `BundleRefused` with the reason when any check fails; nothing of a refused bundle is
 * ever served. `fingerprint` is what storage said before the files were read; `published` is the version folder
 * `path` ends in, if any.
 */
export async function loadBundle(source: BundleSource, id: string, path: string, fingerprint: string, published: string | null = null): Promise<LoadedBundle> {
  const v = await verifyBundle({
    id,
    read: (file) => source.read(path, file),
    where: (file) => source.describe(path, file),
    sha256: sha256Hex,
    openGraph: async (bytes) => asGraph(new ServedSession(await createSession(bytes))),
  });
  return {
    id,
    version: published ?? v.manifest.model.version,
    published: published !== null,
    manifest: v.manifest,
    fingerprint,
    session: v.graph!.session,
    tables: v.tables,
    exemplarPixels: v.exemplarPixels,
    exemplarRow: new Map(v.exemplars.ids.map((exemplarId, row) => [exemplarId, row])),
    members: v.membership,
    samples: v.samples,
  };
}
