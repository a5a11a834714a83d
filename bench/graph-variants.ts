/**
 * What the bundle graph's shape costs in onnxruntime-web (wasm, one thread, as in workerd), `session.run` alone, on
 * the trained sizes (392→390→390→2 served + two twins, 1,024 exemplars of the fixture builder): issue 9's peer graph
 * (four outputs, N rows), the served graph with `exemplar_dot` on N rows, the same on [x; x′] (2N rows, every output
 * on every row: bundles before `factual_rows`), the `factual_rows` graph (twins and `exemplar_dot` on the N inputs
 * only), and the three networks' first layers fused into one 392×1170 MatMul (item 4's fusion question).
 * Each variant runs in blocks of consecutive runs after a warm-up (the order, then reversed); median µs per input.
 *
 *   npx tsx bench/graph-variants.ts [--runs 200] [--batches 1,32,256] [--out artifacts/bench-graph.json]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import { ONNX_EXEMPLAR_DOT, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUTS, graphFeeds, quantiles } from '#shared';
import { makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { ONNX_IR_VERSION, exportBundleOnnx } from '../trainer/src/bundle/onnx-export.js';
import { createOrtSession, ortTensor } from '../trainer/src/model/ort-node.js';
import type { BundleNetworks } from '../trainer/src/model/weights.js';

const { onnx } = onnxProto;
const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '200' }, batches: { type: 'string', default: '1,32,256' }, out: { type: 'string', default: 'artifacts/bench-graph.json' } },
});
const RUNS = Number(args.runs), BATCHES = args.batches!.split(',').map(Number);

const raw = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();

/**
 * The served graph with the three first layers as one MatMul [D, 3H] + Add + Relu, split into the three networks'
 * hidden activations, then each network's own later layers; `exemplar_dot` from the served embedding. N rows.
 */
function fusedFirstLayer(nets: BundleNetworks, exemplarsT: Float32Array, count: number): Uint8Array {
  const all = [nets.served, nets.twinA, nets.twinB], D = nets.served.arch.inputDim, H = nets.served.layers[0].outDim;
  const K = nets.served.arch.numClasses;
  const w0 = new Float32Array(D * 3 * H), b0 = new Float32Array(3 * H);
  all.forEach((net, j) => {
    for (let i = 0; i < D; i++) w0.set(net.layers[0].w.subarray(i * H, (i + 1) * H), i * 3 * H + j * H);
    b0.set(net.layers[0].b!, j * H);
  });
  const F = onnx.TensorProto.DataType.FLOAT;
  const init = (name: string, dims: number[], data: Float32Array) => ({ name, dataType: F, dims, rawData: raw(data) });
  const initializer = [init('w0', [D, 3 * H], w0), init('b0', [3 * H], b0), init('exemplars_t', [H, count], exemplarsT)];
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => ({ name: output[0], opType, domain: '', input, output, attribute });
  const nodes = [node('MatMul', [ONNX_INPUT, 'w0'], ['mm0']), node('Add', ['mm0', 'b0'], ['lin0']), node('Relu', ['lin0'], ['h0']),
    node('Split', ['h0'], ['h_served', 'h_twin_a', 'h_twin_b'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }])];
  const outs = [ONNX_OUTPUTS.logits, ONNX_OUTPUTS.twinA, ONNX_OUTPUTS.twinB];
  all.forEach((net, j) => {
    const p = ['served', 'twin_a', 'twin_b'][j];
    let h = `h_${p}`;
    net.layers.slice(1).forEach((layer, l) => {
      initializer.push(init(`${p}_w${l + 1}`, [layer.inDim, layer.outDim], layer.w), init(`${p}_b${l + 1}`, [layer.outDim], layer.b!));
      const last = l === net.layers.length - 2;
      nodes.push(node('MatMul', [h, `${p}_w${l + 1}`], [`${p}_mm${l + 1}`]), node('Add', [`${p}_mm${l + 1}`, `${p}_b${l + 1}`], [last ? outs[j] : `${p}_lin${l + 1}`]));
      if (!last) {
        h = j === 0 && l === net.layers.length - 3 ? ONNX_OUTPUTS.embedding : `${p}_relu${l + 1}`;
        nodes.push(node('Relu', [`${p}_lin${l + 1}`], [h]));
      }
    });
  });
  nodes.push(node('MatMul', [ONNX_OUTPUTS.embedding, 'exemplars_t'], [ONNX_EXEMPLAR_DOT]));
  const info = (name: string, cols: number) => ({ name, type: { tensorType: { elemType: F, shape: { dim: [{ dimParam: 'N' }, { dimValue: cols }] } } } });
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION, opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: 'fused', node: nodes, initializer, input: [info(ONNX_INPUT, D)],
      output: [info(ONNX_OUTPUTS.logits, K), info(ONNX_OUTPUTS.embedding, H), info(ONNX_OUTPUTS.twinA, K), info(ONNX_OUTPUTS.twinB, K), info(ONNX_EXEMPLAR_DOT, count)],
    },
  })).finish();
}

const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-graph-'));
try {
  const fixture = await makeFixtureBundle(path.join(dir, 'b'), { id: 'b', hidden: [390, 390], train: 1024 });
  const nets = fixture.networks, D = nets.served.arch.inputDim, H = nets.served.arch.embeddingDim, count = 1024;
  const embeddings = Float32Array.from({ length: count * H }, () => Math.random());
  const exemplarsT = new Float32Array(count * H);
  for (let i = 0; i < count; i++) for (let j = 0; j < H; j++) exemplarsT[j * count + i] = embeddings[i * H + j];
  const exemplars = { count, dim: H, embeddings };
  // [name, graph, rows fed per input (2: x and its counterfactual)]
  const variants: [string, Uint8Array, number][] = [
    ["issue 9's peer: four outputs, N rows", exportBundleOnnx(nets), 1],
    ['+ exemplar_dot, N rows (no intervention)', exportBundleOnnx(nets, { exemplars }), 1],
    ['+ exemplar_dot on [x; x′], every output on 2N rows', exportBundleOnnx(nets, { exemplars }), 2],
    ['factual_rows: [x; x′], twins and exemplar_dot on x', exportBundleOnnx(nets, { exemplars, counterfactualRows: true }), 2],
    ['first layers fused (392×1170), exemplar_dot, N rows', fusedFirstLayer(nets, exemplarsT, count), 1],
  ];
  const sessions = await Promise.all(variants.map(([, model]) => createOrtSession(model)));
  const report: { batch: number; variant: string; 'µs per input': number; 'vs peer': number }[] = [];
  for (const n of BATCHES) {
    const times = variants.map(() => [] as number[]);
    const x = Float32Array.from({ length: 2 * n * D }, () => Math.random());
    // Each variant in a block of consecutive runs after a warm-up, as a server runs its one graph (interleaving single
    // runs of five 5 MB graphs would time their weights coming back into the cache); blocks in order, then reversed.
    const order = [...variants.keys()];
    for (const v of [...order, ...order.reverse()]) {
      const [, , per] = variants[v];
      const feeds = graphFeeds(sessions[v].inputNames, ortTensor, x.subarray(0, per * n * D), per * n, D, n);
      for (let r = 0; r < 10; r++) await sessions[v].run(feeds);
      for (let r = 0; r < RUNS / 2; r++) {
        const t0 = performance.now();
        await sessions[v].run(feeds);
        times[v].push(performance.now() - t0);
      }
    }
    const us = times.map((t) => (quantiles(t, [0.5])[0] * 1000) / n);
    variants.forEach(([name], v) => report.push({ batch: n, variant: name, 'µs per input': +us[v].toFixed(1), 'vs peer': +(us[0] / us[v]).toFixed(2) }));
  }
  for (const s of sessions) await s.release();
  console.log(`session.run, onnxruntime-web wasm, 1 thread, median of ${RUNS} runs in two blocks per variant (vs peer: the peer's time / this one's):`);
  console.table(report);
  await mkdir(path.dirname(path.resolve(args.out!)), { recursive: true });
  await writeFile(args.out!, JSON.stringify({ runs: RUNS, rows: report }, null, 2));
  console.log(`written: ${args.out}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
