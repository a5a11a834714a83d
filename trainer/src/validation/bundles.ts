import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '#shared';
import { openVerifiedSession, readBundle } from '../bundle/read.js';
import type { Split } from '../data/types.js';
import { runAll, type ort } from '../model/ort-node.js';
import type { SplitOutputs } from '../pipeline/outputs.js';

/** A written bundle, verified by the one bundle verifier and run through onnxruntime-web exactly as the worker runs it. */
export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  session: ort.InferenceSession;
}

/**
 * Bundles under `root` (one folder each) whose algorithm is ERM or MAT and whose dataset is `datasetName`, each read
 * through the shared verifier (schema, sizes, sha256, graph, finite outputs); a folder that is not a valid bundle is
 * passed over.
 */
export async function findBundles(root: string, datasetName: string): Promise<Partial<Record<'erm' | 'mat', LoadedBundle>>> {
  const out: Partial<Record<'erm' | 'mat', LoadedBundle>> = {};
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    const bundle = await readBundle(dir, { graph: false }).catch(() => null);
    if (!bundle) continue;
    const { manifest } = bundle;
    const algorithm = manifest.training.algorithm;
    if ((algorithm === 'erm' || algorithm === 'mat') && manifest.dataset.name === datasetName && !out[algorithm]) {
      out[algorithm] = { dir, manifest, session: await openVerifiedSession(bundle) };
    }
  }
  return out;
}

/** The four ONNX outputs of a bundle over a split (x already preprocessed), in chunks. */
export async function bundleOutputs(b: LoadedBundle, split: Pick<Split, 'x' | 'n' | 'd'>, chunk = 2048): Promise<SplitOutputs> {
  const K = b.manifest.classNames.length, E = b.manifest.architecture.embeddingDim, { n, d } = split;
  const o: SplitOutputs = { n, K, E, logits: new Float32Array(n * K), embedding: new Float32Array(n * E), twinA: new Float32Array(n * K), twinB: new Float32Array(n * K) };
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const r = await runAll(b.session, split.x.slice(start * d, (start + rows) * d), rows, d);
    o.logits.set(r.logits, start * K);
    o.embedding.set(r.embedding, start * E);
    o.twinA.set(r.twinA, start * K);
    o.twinB.set(r.twinB, start * K);
  }
  return o;
}
