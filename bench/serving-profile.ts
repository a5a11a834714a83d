/**
 * Where a request's time goes, phase by phase, in this process with the shared code the worker runs (same V8, same
 * onnxruntime-web wasm): one /v1/predict of a batch, and one bundle load through the shared verifier.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MembershipIndex, ONNX_EXEMPLAR_DOT, ONNX_FACTUAL_ROWS, ONNX_OUTPUTS, PredictRequest, base64ToBytes, batchInput, counterfactualIndex, bundleTables,
  graphFeeds, neighbourMemorization, parsePredictRequest, quantiles, scoreRow, sha256Hex, verifyBundle, type BundleGraph,
} from '#shared';
import { requireFinite } from '../worker/src/finite.js';
import { readBundle } from '../trainer/src/bundle/read.js';
import { createOrtSession, ortTensor } from '../trainer/src/model/ort-node.js';

const RUNS = 7;

async function timed<T>(f: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

export interface Phase { phase: string; ms: number; 'µs per input': number }

/** Median over RUNS of each phase of one predict request of `inputs`, from the request body to the response body. */
export async function profilePredict(dir: string, inputs: number[][]): Promise<Phase[]> {
  const bundle = await readBundle(dir, { graph: false });
  const { manifest } = bundle;
  const tables = bundleTables(manifest, bundle.memorization.exemplars);
  const { members: byHash, prefilter } = bundle.memorization;
  const hashEveryRow = new MembershipIndex(byHash, null);
  const prefiltered = prefilter === undefined ? null : new MembershipIndex(byHash, new Uint32Array(base64ToBytes(prefilter).buffer));
  const session = await createOrtSession(bundle.model);
  const body = JSON.stringify({ inputs });
  const n = inputs.length, d = manifest.input.dim;
  const times = new Map<string, number[]>();
  const add = (phase: string, ms: number) => times.set(phase, [...(times.get(phase) ?? []), ms]);
  for (let r = 0; r < RUNS; r++) {
    const parsed = await timed(() => JSON.parse(body) as unknown);
    add('JSON.parse request', parsed.ms);
    add('zod PredictRequest (the schema alone)', (await timed(() => PredictRequest.parse(parsed.value))).ms);
    const valid = await timed(() => parsePredictRequest(parsed.value));
    add('parsePredictRequest (typed fast path, served)', valid.ms);
    const vectors = valid.value.data!.inputs as number[][];
    // As the worker builds it: the inputs, then each input's V counterfactuals where the bundle declares an intervention.
    const iv = tables.intervention, V = iv?.alternatives ?? 0, rows = n * (1 + V);
    const built = await timed(() => batchInput((i) => vectors[i], n, d, manifest.input.preprocessing, iv));
    add(iv ? `preprocess + intervention (batchInput, ${V} counterfactual row(s) per input)` : 'preprocess (batchInput)', built.ms);
    const x = built.value;
    const hashed = await timed(() => hashEveryRow.lookup(vectors));
    add('membership, sha256 per row (bundles without a prefilter)', hashed.ms);
    if (prefiltered) add('membership behind the prefilter (served)', (await timed(() => prefiltered.lookup(vectors))).ms);
    const run = await timed(() => session.run(graphFeeds(session.inputNames, ortTensor, x, rows, d, n)));
    const twinsOn = session.inputNames.includes(ONNX_FACTUAL_ROWS) ? 'twins on inputs only' : 'twins on every row';
    add(`session.run (${rows / n} row(s) per input, ${run.value[ONNX_EXEMPLAR_DOT] ? 'with' : 'without'} exemplar_dot, ${twinsOn})`, run.ms);
    const rowsOf = (name: string) => {
      const t = run.value[name], data = t.data as Float32Array, w = t.dims[1];
      return (i: number) => data.subarray(i * w, (i + 1) * w);
    };
    const [logits, embedding, twinA, twinB] = [ONNX_OUTPUTS.logits, ONNX_OUTPUTS.embedding, ONNX_OUTPUTS.twinA, ONNX_OUTPUTS.twinB].map(rowsOf);
    const dot = run.value[ONNX_EXEMPLAR_DOT] ? rowsOf(ONNX_EXEMPLAR_DOT) : null;
    const { k, temperature } = manifest.scores.neighbours;
    add('nearest exemplars, JS loop (bundles without exemplar_dot)', (await timed(() => vectors.forEach((_, i) => neighbourMemorization(embedding(i), tables.exemplars, k, temperature)))).ms);
    if (dot) add('nearest exemplars from exemplar_dot (top-k only)', (await timed(() => vectors.forEach((_, i) => neighbourMemorization(embedding(i), tables.exemplars, k, temperature, dot(i))))).ms);
    const scored = await timed(() => vectors.map((_, i) => scoreRow(
      {
        logits: logits(i), embedding: embedding(i), twinA: twinA(i), twinB: twinB(i), ...(dot ? { exemplarDot: dot(i) } : {}),
        ...(V ? { counterfactualLogits: Array.from({ length: V }, (_, a) => logits(counterfactualIndex(n, V, i, a))) } : {}),
      },
      manifest, tables, { memberScore: hashed.value[i], explain: false },
    )));
    add(`scoreRow, every score (${dot ? 'exemplar_dot' : 'JS loop'})`, scored.ms);
    add('requireFinite (outputs and predictions)', (await timed(() => requireFinite(scored.value, x, d, manifest.model.id))).ms);
    add('JSON.stringify response', (await timed(() => JSON.stringify({ model: { id: manifest.model.id, version: manifest.model.version }, predictions: scored.value }))).ms);
  }
  await session.release();
  return [...times].map(([phase, ms]) => {
    const m = quantiles(ms, [0.5])[0];
    return { phase, ms: +m.toFixed(2), 'µs per input': +((1000 * m) / n).toFixed(1) };
  });
}

/** One load of the bundle folder through the shared verifier, split into its phases. */
export async function profileBundleLoad(dir: string): Promise<{ phase: string; ms: number }[]> {
  let readMs = 0, shaMs = 0, ortMs = 0, graphMs = 0;
  const total = await timed(() => verifyBundle({
    read: async (file) => {
      const t = await timed(() => readFile(path.join(dir, file)).then((b) => new Uint8Array(b)).catch(() => null));
      readMs += t.ms;
      return t.value;
    },
    sha256: async (bytes) => {
      const t = await timed(() => sha256Hex(bytes));
      shaMs += t.ms;
      return t.value;
    },
    openGraph: async (bytes): Promise<BundleGraph> => {
      const t = await timed(() => createOrtSession(bytes));
      ortMs += t.ms;
      const session = t.value;
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        run: async (x, rows, dim) => {
          const r = await timed(() => session.run(graphFeeds(session.inputNames, ortTensor, x, rows, dim)));
          graphMs += r.ms;
          return r.value;
        },
        release: () => session.release(),
      };
    },
  }));
  await total.value.graph?.release?.();
  const rest = total.ms - readMs - shaMs - ortMs - graphMs;
  return [
    { phase: 'read files', ms: readMs }, { phase: 'sha256 of every file', ms: shaMs },
    { phase: 'ORT session create (first in process: wasm compile + init)', ms: ortMs }, { phase: 'graph check runs', ms: graphMs },
    { phase: 'JSON + zod + decode (the rest)', ms: rest }, { phase: 'total', ms: total.ms },
  ].map((p) => ({ phase: p.phase, ms: +p.ms.toFixed(1) }));
}
