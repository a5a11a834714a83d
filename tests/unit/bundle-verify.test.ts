import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_FILES, BundleRefused, ONNX_OUTPUTS, bytesToBase64, float32ToBase64, verifyBundle, type BundleGraph, type GraphOutput, type Manifest,
} from '#shared';
import { fixtureContents } from './helpers/fixture-bundle.js';

const sha256 = async (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const D = 4;

/** An in-memory bundle (features, dim 4, 2 classes) with exemplars, samples and a counterfactual probe. */
function goodFiles(): Map<string, Uint8Array> {
  const c = fixtureContents({ generation: 3, dim: D });
  const memorization = {
    ...c.memorization,
    exemplars: { count: 2, embeddingDim: D, ids: [10, 11], labels: [0, 1], scores: [0.1, 0.9], inferredGroups: [0, 3], embeddings: float32ToBase64(new Float32Array([1, 0, 0, 0, 0, 1, 0, 0])), inputs: null },
  };
  const samples = { formatVersion: 1, items: [{ id: 1, label: 0, group: null, input: [0.5, 1, 2, 3] }, { id: 2, label: 1, group: null, input: [3, 2, 1, 0.5] }] };
  const probe = { intervention: 'swap f0 and f1', embeddingDim: D, weights: float32ToBase64(new Float32Array(2 + 2 * D).fill(0.1)), residualSigma: 0.2, n: 8 };
  const files = new Map<string, Uint8Array>([
    [BUNDLE_FILES.model, c.model],
    [BUNDLE_FILES.memorization, enc(memorization)],
    [BUNDLE_FILES.samples, enc(samples)],
  ]);
  const manifest = { ...c.manifest, scores: { ...c.manifest.scores, counterfactualProbe: probe } };
  return rehash(files, manifest);
}

/** Writes manifest.json listing the other files with their real sizes and sha256 (what a careless re-hash does). */
function rehash(files: Map<string, Uint8Array>, manifest: Omit<Manifest, 'files'> | Manifest): Map<string, Uint8Array> {
  const listed = [...files].filter(([name]) => name !== BUNDLE_FILES.manifest)
    .map(([path, bytes]) => ({ path, bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') }));
  files.set(BUNDLE_FILES.manifest, enc({ ...manifest, files: listed }));
  return files;
}

const manifestOf = (files: Map<string, Uint8Array>) => JSON.parse(new TextDecoder().decode(files.get(BUNDLE_FILES.manifest)));
const jsonOf = (files: Map<string, Uint8Array>, name: string) => JSON.parse(new TextDecoder().decode(files.get(name)));

interface GraphFaults {
  missing?: string;
  width?: number;
  nanAt?: number;
  throws?: boolean;
}

/** A stand-in for onnxruntime: logits and twins = x[0..1], embedding = x, with the faults asked for. */
function fakeGraph(faults: GraphFaults = {}): BundleGraph & { released: boolean; rows: number } {
  const g = {
    released: false,
    rows: 0,
    inputNames: ['x'],
    outputNames: Object.values(ONNX_OUTPUTS).filter((n) => n !== faults.missing),
    async run(x: Float32Array, rows: number, dim: number): Promise<Record<string, GraphOutput>> {
      if (faults.throws) throw new Error('Gemm: input shape mismatch');
      g.rows = rows;
      const out = (w: number) => {
        const data = new Float32Array(rows * w);
        for (let i = 0; i < rows; i++) for (let j = 0; j < w; j++) data[i * w + j] = x[i * dim + (j % dim)];
        return { type: 'float32', dims: [rows, w], data };
      };
      const logits = out(faults.width ?? 2);
      if (faults.nanAt !== undefined) (logits.data as Float32Array)[faults.nanAt] = Number.NaN;
      return { [ONNX_OUTPUTS.logits]: logits, [ONNX_OUTPUTS.embedding]: out(D), [ONNX_OUTPUTS.twinA]: out(2), [ONNX_OUTPUTS.twinB]: out(2) };
    },
    async release() {
      g.released = true;
    },
  };
  return g;
}

const verify = (files: Map<string, Uint8Array>, graph: BundleGraph | null = fakeGraph(), id?: string) => verifyBundle({
  read: async (name) => files.get(name) ?? null,
  where: (name) => `mem://${name}`,
  sha256,
  ...(graph ? { openGraph: async () => graph } : {}),
  ...(id ? { id } : {}),
});

async function refusal(files: Map<string, Uint8Array>, graph?: BundleGraph | null, id?: string): Promise<BundleRefused> {
  const e = await verify(files, graph, id).then(() => null, (err) => err);
  expect(e).toBeInstanceOf(BundleRefused);
  return e as BundleRefused;
}

describe('verifyBundle (the one verifier of the trainer and the worker)', () => {
  it('accepts a good bundle and runs the graph on zeros plus every sample', async () => {
    const graph = fakeGraph();
    const v = await verify(goodFiles(), graph, 'fixture');
    expect(v.manifest.model.version).toBe('3');
    expect(v.samples?.items).toHaveLength(2);
    expect(v.tables.probe?.weights).toHaveLength(2 + 2 * D);
    expect(v.graph).toBe(graph);
    expect(graph.rows).toBe(3);
    expect(graph.released).toBe(false);
  });

  it('refuses storage faults: no manifest, a listed file missing, a size or a sha256 that does not match', async () => {
    const noManifest = goodFiles();
    noManifest.delete(BUNDLE_FILES.manifest);
    expect((await refusal(noManifest)).message).toBe('manifest.json: not found (mem://manifest.json)');

    const missing = goodFiles();
    missing.delete(BUNDLE_FILES.samples);
    expect((await refusal(missing)).message).toBe('samples.json: listed in the manifest but missing (mem://samples.json)');

    const truncated = goodFiles();
    truncated.set(BUNDLE_FILES.model, truncated.get(BUNDLE_FILES.model)!.subarray(0, 100));
    expect((await refusal(truncated)).message).toBe('model.onnx: size mismatch (manifest 4096 bytes, file 100 bytes)');

    const flipped = goodFiles();
    const model = flipped.get(BUNDLE_FILES.model)!.slice();
    model[7] ^= 1;
    flipped.set(BUNDLE_FILES.model, model);
    const e = await refusal(flipped);
    expect(e.file).toBe('model.onnx');
    expect(e.version).toBe('3');
    expect(e.message).toMatch(/^model\.onnx: sha256 mismatch \(manifest [0-9a-f]{64}, file [0-9a-f]{64}\)$/);
  });

  it('refuses a manifest that is not JSON, breaks the schema or names another model', async () => {
    const notJson = goodFiles();
    notJson.set(BUNDLE_FILES.manifest, enc('{ nope'));
    expect((await refusal(notJson)).message).toMatch(/^manifest\.json: is not valid JSON/);

    const schema = goodFiles();
    rehash(schema, { ...manifestOf(schema), formatVersion: 2 });
    expect((await refusal(schema)).message).toMatch(/^manifest\.json: does not match the bundle schema \(formatVersion/);

    expect((await refusal(goodFiles(), undefined, 'other')).message).toBe('manifest.json: is for model "fixture", not "other"');
  });

  it('accepts a declared intervention that fits the inputs and refuses one that does not', async () => {
    const withIv = (intervention: object) => {
      const files = goodFiles();
      return rehash(files, { ...manifestOf(files), intervention });
    };
    const binary = { kind: 'binary', column: 'f1', description: 'swap f1', index: 1, values: [0, 1] };
    const ok = await verify(withIv(binary));
    expect(ok.tables.intervention?.alternatives).toBe(1);
    // A declared intervention answers; the probe beside it is not used.
    expect(ok.tables.probe).toBeNull();
    expect((await refusal(withIv({ ...binary, index: D }))).message).toMatch(/^manifest\.json: does not match the bundle schema.*intervention/s);
    const estimated = { kind: 'estimated', column: 'g', description: 'estimated', values: ['a', 'b'], weights: float32ToBase64(new Float32Array(D - 1)), direction: float32ToBase64(new Float32Array(D)), bias: 0, n: 5 };
    expect((await refusal(withIv(estimated))).message).toMatch(/^manifest\.json: the estimated intervention holds 3 weights and 4 direction values, expected 4 each/);
  });

  it('refuses memorization.json off its schema, of another embedding width, or with non-finite embeddings', async () => {
    const withExemplars = (edit: (e: any) => void) => {
      const files = goodFiles();
      const index = jsonOf(files, BUNDLE_FILES.memorization);
      edit(index.exemplars);
      files.set(BUNDLE_FILES.memorization, enc(index));
      return rehash(files, manifestOf(files));
    };
    expect((await refusal(withExemplars((e) => { e.ids = [10]; }))).message).toMatch(/^memorization\.json: does not match the bundle schema \(exemplars\.ids: must have count \(2\) entries/);
    expect((await refusal(withExemplars((e) => { e.embeddingDim = 3; }))).message).toBe("memorization.json: exemplars have embeddingDim 3, the model's embedding is 4");
    expect((await refusal(withExemplars((e) => { e.embeddings = float32ToBase64(new Float32Array(4)); }))).message).toBe('memorization.json: exemplar embeddings hold 4 floats, expected 2×4');
    expect((await refusal(withExemplars((e) => { e.embeddings = float32ToBase64(new Float32Array([1, 0, 0, 0, 0, Number.NaN, 0, 0])); }))).message).toBe('memorization.json: exemplar 11 has a non-finite embedding');
    expect((await refusal(withExemplars((e) => { e.labels = [0, 2]; }))).message).toBe('memorization.json: exemplar 11 has label 2, the model has 2 classes');
    expect((await refusal(withExemplars((e) => { e.inputs = 'AAAA'; }))).message).toBe('memorization.json: exemplar inputs hold 3 bytes, expected 2×4');
  });

  it('refuses a membership prefilter that is not whole, ascending keys, one per member at most', async () => {
    const withPrefilter = (keys: Uint8Array) => {
      const files = goodFiles();
      const index = jsonOf(files, BUNDLE_FILES.memorization);
      index.members = { '0123456789abcdef0123456789abcdef': 0.5, 'fedcba9876543210fedcba9876543210': 0.25 };
      index.prefilter = bytesToBase64(keys);
      files.set(BUNDLE_FILES.memorization, enc(index));
      return rehash(files, manifestOf(files));
    };
    const keys = (...k: number[]) => new Uint8Array(Uint32Array.from(k).buffer);
    await verifyBundle({ read: async (f) => withPrefilter(keys(1, 7)).get(f) ?? null, sha256 });
    expect((await refusal(withPrefilter(keys(1, 7).subarray(0, 6)))).message).toBe('memorization.json: prefilter holds 6 bytes, not whole uint32 keys');
    expect((await refusal(withPrefilter(keys(7, 1)))).message).toBe('memorization.json: prefilter keys are not strictly ascending at 1');
    expect((await refusal(withPrefilter(keys(1, 2, 3)))).message).toBe('memorization.json: prefilter holds 3 keys for 2 members');
  });

  it('refuses a counterfactual probe that does not fit the model', async () => {
    const withProbe = (edit: (p: any) => void) => {
      const files = goodFiles();
      const m = manifestOf(files);
      edit(m.scores.counterfactualProbe);
      return rehash(files, m);
    };
    expect((await refusal(withProbe((p) => { p.embeddingDim = 3; }))).message).toBe('manifest.json: the counterfactual probe needs 2 classes and embeddingDim 4');
    expect((await refusal(withProbe((p) => { p.weights = float32ToBase64(new Float32Array(3)); }))).message).toBe('manifest.json: counterfactual probe holds 3 weights, expected 2 + 2×4');
    expect((await refusal(withProbe((p) => { p.weights = float32ToBase64(new Float32Array(10).fill(Number.NaN)); }))).message).toBe('manifest.json: the counterfactual probe has non-finite weights');
  });

  it('refuses samples of the wrong width or label', async () => {
    const files = goodFiles();
    const samples = jsonOf(files, BUNDLE_FILES.samples);
    samples.items[1].input = [1, 2, 3];
    files.set(BUNDLE_FILES.samples, enc(samples));
    expect((await refusal(rehash(files, manifestOf(files)))).message).toBe('samples.json: item 1 needs 4 inputs and a label below 2');
  });

  it('refuses a graph with a missing output, the wrong width, a failing run or non-finite outputs, and releases it', async () => {
    const cases: [GraphFaults, string | RegExp][] = [
      [{ missing: ONNX_OUTPUTS.twinB }, "model.onnx: must read 'x' and write logits, embedding, twin_a, twin_b (missing: twin_b)"],
      [{ width: 3 }, "model.onnx: output 'logits' is float32 [3, 3], the manifest implies float32 [3, 2]"],
      [{ throws: true }, 'model.onnx: fails on a [3, 4] input (Gemm: input shape mismatch)'],
      [{ nanAt: 2 }, "model.onnx: output 'logits' is NaN on sample 1: the model does not compute finite numbers"],
    ];
    for (const [faults, reason] of cases) {
      const graph = fakeGraph(faults);
      expect((await refusal(goodFiles(), graph)).message).toEqual(reason);
      expect(graph.released, JSON.stringify(faults)).toBe(true);
    }
    const unloadable = await verifyBundle({ read: async (n) => goodFiles().get(n) ?? null, sha256, openGraph: async () => { throw new Error('protobuf parsing failed'); } })
      .catch((e) => e);
    expect(unloadable.message).toBe('model.onnx: could not be loaded by onnxruntime (protobuf parsing failed)');
  });

  it('skips only the graph checks when no runtime is given', async () => {
    const v = await verify(goodFiles(), null);
    expect(v.graph).toBeNull();
  });
});
