/**
 * A peer for bench/serving-bench.ts: a plain `node:http` server running the bundle's model.onnx with no scores, the
 * floor our worker is compared with. POST / with {"inputs": number[][]} → {"logits": number[][]}: JSON in, one
 * `session.run`, JSON out. Runs in its own process so that it never shares an event loop with the load generator.
 *
 *   tsx bench/serving-peer.ts --engine web  --model bundle/model.onnx
 *   tsx bench/serving-peer.ts --engine node --model bundle/model.onnx --ort-node /tmp/ortnode/node_modules/onnxruntime-node
 *
 * Prints `listening <port>` once the session is ready.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ONNX_INPUT, ONNX_OUTPUTS } from '#shared';
import { createOrtSession, ort } from '../trainer/src/model/ort-node.js';

const { values: args } = parseArgs({
  options: { engine: { type: 'string' }, model: { type: 'string' }, 'ort-node': { type: 'string' } },
});

interface Session { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }
type Tensor = new (type: 'float32', data: Float32Array, dims: number[]) => unknown;

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

const { Tensor, session } = await engine(new Uint8Array(await readFile(args.model!)));

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const { inputs } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: number[][] };
      const n = inputs.length, d = inputs[0].length;
      const x = new Float32Array(n * d);
      inputs.forEach((v, i) => x.set(v, i * d));
      const out = await session.run({ [ONNX_INPUT]: new Tensor('float32', x, [n, d]) });
      const logits = out[ONNX_OUTPUTS.logits].data as Float32Array, k = logits.length / n;
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
