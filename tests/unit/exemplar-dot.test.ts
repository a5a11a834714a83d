import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BundleRefused, ONNX_EXEMPLAR_DOT, ONNX_FACTUAL_ROWS, ONNX_INPUT, bundleTables, l2Normalize, neighbourMemorization, preprocess, scoreRow, verifyGraph, type Manifest,
} from '#shared';
import { exportBundleOnnx } from '../../trainer/src/bundle/onnx-export.js';
import { readBundle, type ReadBundle } from '../../trainer/src/bundle/read.js';
import { createOrtSession, ort, runAll } from '../../trainer/src/model/ort-node.js';
import { makeFixtureBundle, type Fixture } from '../fixtures/bundle/make-bundle.js';

let dir: string;
let fixture: Fixture;
let bundle: ReadBundle;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-exemplar-dot-'));
  fixture = await makeFixtureBundle(path.join(dir, 'b'), { id: 'b', hidden: [24, 16], train: 64 });
  bundle = await readBundle(path.join(dir, 'b')); // the shared verifier, graph checks included
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every served field of the test inputs, scored from the graph's exemplar_dot or by the JS loop. */
async function served(model: Uint8Array, manifest: Manifest, useDot: boolean, labelled: boolean) {
  const tables = bundleTables(manifest, bundle.memorization.exemplars);
  const n = fixture.test.length, d = manifest.input.dim, K = manifest.classNames.length, E = manifest.architecture.embeddingDim;
  const x = new Float32Array(n * d);
  fixture.test.forEach((t, i) => preprocess(t.input, manifest.input.preprocessing, x.subarray(i * d, (i + 1) * d)));
  const session = await createOrtSession(model);
  const out = await runAll(session, x, n, d);
  const dot = (await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [n, d]) }))[ONNX_EXEMPLAR_DOT]?.data as Float32Array | undefined;
  await session.release();
  const X = tables.exemplars.count;
  return fixture.test.map((t, i) => scoreRow({
    logits: out.logits.subarray(i * K, (i + 1) * K), embedding: out.embedding.subarray(i * E, (i + 1) * E),
    twinA: out.twinA.subarray(i * K, (i + 1) * K), twinB: out.twinB.subarray(i * K, (i + 1) * K),
    ...(useDot && dot ? { exemplarDot: dot.subarray(i * X, (i + 1) * X) } : {}),
  }, manifest, tables, { memberScore: null, explain: true, ...(labelled ? { label: t.label } : {}) }));
}

describe('exemplar_dot: the nearest-exemplar similarities inside the ONNX graph', () => {
  it('is written with the exemplar count as its width and read back through the shared verifier', async () => {
    const session = await createOrtSession(bundle.model);
    expect(session.outputNames).toContain(ONNX_EXEMPLAR_DOT);
    const d = bundle.manifest.input.dim;
    const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', new Float32Array(2 * d), [2, d]) });
    await session.release();
    expect(out[ONNX_EXEMPLAR_DOT].dims).toEqual([2, 64]);
  });

  it('gives the scores of the JS loop: memorization within 1e-6, the same nearest exemplars in the same order', async () => {
    for (const labelled of [false, true]) {
      const [graph, loop] = [await served(bundle.model, bundle.manifest, true, labelled), await served(bundle.model, bundle.manifest, false, labelled)];
      graph.forEach((g, i) => {
        const l = loop[i];
        expect(Math.abs(g.memorization.score - l.memorization.score)).toBeLessThanOrEqual(1e-6);
        expect(g.memorization.nearest!.map((e) => e.id)).toEqual(l.memorization.nearest!.map((e) => e.id));
        g.memorization.nearest!.forEach((e, j) => expect(Math.abs(e.similarity - l.memorization.nearest![j].similarity)).toBeLessThanOrEqual(1e-6));
        expect(g.spurious).toEqual(l.spurious);
      });
    }
  });

  it('leaves a bundle written before it (no exemplar_dot) readable, scored by the JS loop', async () => {
    const old = await makeFixtureBundle(path.join(dir, 'old'), { id: 'old', hidden: [24, 16], train: 64, exemplarDot: false });
    const read = await readBundle(path.join(dir, 'old'));
    const session = await createOrtSession(read.model);
    expect(session.outputNames).not.toContain(ONNX_EXEMPLAR_DOT);
    await session.release();
    expect(old.manifest.model.id).toBe('old');
  });

  it('refuses a graph whose exemplars are not memorization.json\'s', async () => {
    const ex = bundle.exemplars;
    const shuffled = new Float32Array(ex.embeddings.length);
    for (let i = 0; i < ex.count; i++) shuffled.set(ex.embeddings.subarray(i * ex.dim, (i + 1) * ex.dim), ((i + 1) % ex.count) * ex.dim);
    const session = await createOrtSession(exportBundleOnnx(fixture.networks, { exemplars: { count: ex.count, dim: ex.dim, embeddings: shuffled } }));
    const graph = {
      inputNames: session.inputNames, outputNames: session.outputNames, release: () => session.release(),
      run: (x: Float32Array, rows: number, dim: number) => session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x, [rows, dim]) }),
    };
    const refused = await verifyGraph(graph, bundle.manifest, bundle).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(BundleRefused);
    expect((refused as BundleRefused).reason).toMatch(/exemplar_dot.*not the bundle's/);
  });
});

describe('factual_rows: counterfactual rows through the served network only', () => {
  it('gives every output of the full graph on the inputs, and the served logits on every counterfactual row', async () => {
    const ex = bundle.exemplars;
    const opts = { exemplars: { count: ex.count, dim: ex.dim, embeddings: ex.embeddings } };
    const full = await createOrtSession(exportBundleOnnx(fixture.networks, opts));
    const split = await createOrtSession(exportBundleOnnx(fixture.networks, { ...opts, counterfactualRows: true }));
    expect(full.inputNames).toEqual([ONNX_INPUT]);
    expect(split.inputNames).toEqual([ONNX_INPUT, ONNX_FACTUAL_ROWS]);
    const d = bundle.manifest.input.dim, n = fixture.test.length;
    for (const factual of [1, 3, n]) {
      // `factual` inputs, then two counterfactual rows each (as batchInput lays out V = 2).
      const rows = factual * 3, x = new Float32Array(rows * d);
      for (let r = 0; r < rows; r++) preprocess(fixture.test[r % n].input, bundle.manifest.input.preprocessing, x.subarray(r * d, (r + 1) * d));
      for (let j = 0; j < factual * 2 * d; j++) x[factual * d + j] = 1 - x[factual * d + j];
      const [a, b] = [await runAll(full, x, rows, d, factual), await runAll(split, x, rows, d, factual)];
      expect([a.factualRows, b.factualRows]).toEqual([rows, factual]);
      expect(b.logits.length).toBe(a.logits.length);
      expect(b.embedding.length).toBe(a.embedding.length);
      b.logits.forEach((v, j) => expect(Math.abs(v - a.logits[j])).toBeLessThanOrEqual(1e-5));
      for (const key of ['twinA', 'twinB', 'exemplarDot'] as const) {
        const w = a[key]!.length / rows;
        expect(b[key]!.length).toBe(factual * w);
        b[key]!.forEach((v, j) => expect(Math.abs(v - a[key]![j])).toBeLessThanOrEqual(1e-5));
      }
    }
    await full.release();
    await split.release();
  });
});

describe('neighbourMemorization top-k', () => {
  it('keeps the k most similar exemplars, ties in row order, as a stable sort of every similarity would', () => {
    // Coarse values so that ties are common.
    const vec = (d: number) => fc.array(fc.integer({ min: -2, max: 2 }), { minLength: d, maxLength: d });
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (count, k, seed) => {
      const d = 3;
      const rows = fc.sample(vec(d), { numRuns: count + 1, seed });
      const embeddings = new Float32Array(count * d);
      rows.slice(0, count).forEach((r, i) => embeddings.set(l2Normalize(r), i * d));
      const table = { count, dim: d, embeddings, ids: rows.slice(0, count).map((_, i) => 100 + i), labels: rows.slice(0, count).map(() => 0), scores: rows.slice(0, count).map((_, i) => i / count), inferredGroups: rows.slice(0, count).map(() => 0) };
      const query = rows[count];
      const got = neighbourMemorization(query, table, k, 0.1).neighbours;
      const u = l2Normalize(query);
      const sims = Array.from({ length: count }, (_, i) => { let s = 0; for (let j = 0; j < d; j++) s += u[j] * embeddings[i * d + j]; return { i, s }; });
      const want = [...sims].sort((p, q) => q.s - p.s).slice(0, k);
      expect(got.map((n) => n.index)).toEqual(want.map((w) => w.i));
    }), { numRuns: 300 });
  });
});
