import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_FILES, Manifest } from '../../../shared/src/index.js';
import type { Split } from '../data/types.js';
import { createOrtSession, runAll, type ort } from '../model/ort-node.js';
import type { SplitOutputs } from '../pipeline/outputs.js';

/** A written bundle, run through onnxruntime-web exactly as the worker runs it. */
export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  session: ort.InferenceSession;
}

export async function loadBundle(dir: string): Promise<LoadedBundle> {
  const manifest = Manifest.parse(JSON.parse(readFileSync(path.join(dir, BUNDLE_FILES.manifest), 'utf8')));
  const session = await createOrtSession(new Uint8Array(readFileSync(path.join(dir, BUNDLE_FILES.model))));
  return { dir, manifest, session };
}

/** Bundles under `root` (one folder each) whose algorithm is ERM or MAT and whose dataset is `datasetName`. */
export async function findBundles(root: string, datasetName: string): Promise<Partial<Record<'erm' | 'mat', LoadedBundle>>> {
  const out: Partial<Record<'erm' | 'mat', LoadedBundle>> = {};
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    let manifest: Manifest;
    try {
      manifest = Manifest.parse(JSON.parse(readFileSync(path.join(dir, BUNDLE_FILES.manifest), 'utf8')));
    } catch {
      continue;
    }
    const algorithm = manifest.training.algorithm;
    if ((algorithm === 'erm' || algorithm === 'mat') && manifest.dataset.name === datasetName && !out[algorithm]) out[algorithm] = await loadBundle(dir);
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
