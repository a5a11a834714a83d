/**
 * A peer for bench/serving-bench.ts: a plain `node:http` server running an ONNX graph with no scores, the floor our
 * worker is compared with. POST / with {"inputs": number[][]} → {"logits": number[][]}: JSON in, one `session.run`,
 * JSON out. Runs in its own process so that it never shares an event loop with the load generator.
 *
 *   tsx bench/serving-peer.ts --engine web  --model peer-model.onnx
 *   tsx bench/serving-peer.ts --engine node --model peer-model.onnx --ort-node /tmp/ortnode/node_modules/onnxruntime-node
 *   tsx bench/serving-peer.ts --engine web  --bundle DIR
 *
 * With --bundle, the bundle's own model.onnx on the rows the worker feeds it: the inputs, their counterfactuals where
 * the manifest declares an intervention (shared `batchInput`) and `factual_rows` where the graph reads it — the same
 * `session.run` as the worker's, so the gap to the worker is what the worker does around it.
 *
 * Prints `listening <port>` once the session is ready.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { BUNDLE_FILES, Manifest, ONNX_OUTPUTS, batchInput, graphFeeds, prepareIntervention, type MakeTensor } from '#shared';
import { createOrtSession, ort } from '../trainer/src/model/ort-node.js';

const { values: args } = parseArgs({
  options: { engine: { type: 'string' }, model: { type: 'string' }, bundle: { type: 'string' }, 'ort-node': { type: 'string' } },
});

interface Session { readonly inputNames: readonly string[]; run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }
type Tensor = new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => unknown;

/** onnxruntime-web exactly as the trainer's parity oracle runs it (one thread, as in workerd), or onnxruntime-node. */
async function engine(model: Uint8Array): Promise<{ Tensor: Tensor; session: Session }> {
  if (args.engine === 'web') return { Tensor: ort.Tensor as unknown as Tensor, session: await createOrtSession(model) as unknown as Session };
  if (args.engine === 'node') {
    if (!args['ort-node']) throw new Error('--ort-node PATH (the onnxruntime-node package folder) is required for --engine node');
    const node = createRequire(import.meta.url)(args['ort-node']) as { Tensor: Tensor; InferenceSession: { create(m: Uint8Array, o: object): Promise<Session> } };
    return { Tensor: node.Tensor, session: await node.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 }) };
  }
  throw new Error('--engine web|node');
}

const manifest = args.bundle ? Manifest.parse(JSON.parse(await readFile(path.join(args.bundle, BUNDLE_FILES.manifest), 'utf8'))) : null;
const { Tensor, session } = await engine(new Uint8Array(await readFile(args.bundle ? path.join(args.bundle, BUNDLE_FILES.model) : args.model!)));
const intervention = manifest?.intervention ? prepareIntervention(manifest.intervention, manifest.input.dim) : null;
const V = intervention?.alternatives ?? 0;
const tensor: MakeTensor<unknown> = (type, data, dims) => new Tensor(type, data, dims);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const { inputs } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: number[][] };
      const n = inputs.length, d = inputs[0].length;
      let x: Float32Array;
      if (manifest) x = batchInput((i) => inputs[i], n, d, manifest.input.preprocessing, intervention);
      else {
        x = new Float32Array(n * d);
        inputs.forEach((v, i) => x.set(v, i * d));
      }
      const out = await session.run(graphFeeds(session.inputNames, tensor, x, n * (1 + V), d, n));
      const logits = out[ONNX_OUTPUTS.logits].data as Float32Array, k = logits.length / (n * (1 + V));
      const body = JSON.stringify({ logits: Array.from({ length: n }, (_, i) => Array.from(logits.subarray(i * k, (i + 1) * k))) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : 0}`);
});
