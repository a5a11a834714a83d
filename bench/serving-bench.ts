/**
 * Serving benchmark (`npm run bench:serving`): our worker against plain `node:http` peers on the same model.onnx, in
 * the same run, with the same load generator (autocannon, in this process):
 *   - worker:   the deploy build straight in workerd through Miniflare (no wrangler dev proxy), POST /v1/predict with
 *               every score; GET /healthz is its bare route, the floor of a request;
 *   - ort-web:  node:http + onnxruntime-web (wasm, one thread, as in workerd), logits only (bench/serving-peer.ts),
 *               on the bundle's networks as the plain four-output graph (no exemplar_dot), N rows: issue 9's peer;
 *   - ort-web, our graph: the same engine on the bundle's own model.onnx and the rows the worker feeds it (the
 *               counterfactuals, factual_rows, exemplar_dot), no scores: the gap to it is the worker's own overhead;
 *   - ort-node: node:http + onnxruntime-node (CPU, one intra-op thread), when --ort-node PATH / ORT_NODE_PATH
 *               names the package folder; skipped with a message otherwise.
 * Batch 1, 32 and 256 at 1 and 8 connections; inputs/s medians over --repeats timed windows, ratios to the peers.
 * Before the load rows, a profile in this process of one batch-256 request through the shared hot path, phase by
 * phase, and of a bundle load (integrity checks, decoding, ORT init) — the same shared code the worker runs.
 *
 * The bundle has the trained sizes (392→390→390→2, 1024 exemplars, each a member), made by the fixture builder. By
 * default it declares Colored MNIST's colour swap, as trained bundles do (`--intervention probe`: the probe of bundles
 * written before declared interventions, N rows per run).
 *
 *   npm run bench:serving -- --ort-node /tmp/ortnode/node_modules/onnxruntime-node --seconds 3 --out artifacts/bench-serving.json
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { quantiles } from '#shared';
import { makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { exportBundleOnnx } from '../trainer/src/bundle/onnx-export.js';
import { serveDirect } from '../scripts/reliability/fixture-worker.js';
import { profileBundleLoad, profilePredict } from './serving-profile.js';
import { workerdCpuMs } from './workerd-cpu.js';

const { values: args } = parseArgs({
  options: {
    'ort-node': { type: 'string', default: process.env.ORT_NODE_PATH },
    seconds: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '3' },
    'cold-runs': { type: 'string', default: '3' },
    /** off: the bundle without the exemplar_dot output (nearest exemplars in JS), as bundles were before it. */
    'exemplar-dot': { type: 'string', default: 'on' },
    /** off: an empty membership index, so that no input is hashed (what hashing costs inside workerd). */
    members: { type: 'string', default: 'on' },
    /** declared: the colour swap run on [x; x′] (trained bundles since 2026-12-01); probe: the older probe bundles. */
    intervention: { type: 'string', default: 'declared' },
    out: { type: 'string', default: 'artifacts/bench-serving.json' },
    batches: { type: 'string', default: '1,32,256' },
    connections: { type: 'string', default: '1,8' },
  },
});
const SECONDS = Number(args.seconds), REPEATS = Math.max(1, Number(args.repeats)), COLD_RUNS = Math.max(1, Number(args['cold-runs']));
const BATCHES = args.batches!.split(',').map(Number), CONNECTIONS = args.connections!.split(',').map(Number);
const ID = 'bench-mat', KEY = `bench-${Math.random().toString(36).slice(2)}`;
const median = (xs: number[]) => quantiles(xs, [0.5])[0];

interface Target { name: string; url: string; path: string; headers: Record<string, string>; stop(): Promise<void> }

/** A peer process (bench/serving-peer.ts) on an ephemeral port. */
async function startPeer(engine: 'web' | 'node', graph: { model: string } | { bundle: string }, ortNode?: string, name?: string): Promise<Target> {
  const tsx = path.resolve('node_modules/.bin/tsx');
  const source = 'model' in graph ? ['--model', graph.model] : ['--bundle', graph.bundle];
  const child: ChildProcess = spawn(tsx, ['bench/serving-peer.ts', '--engine', engine, ...source, ...(ortNode ? ['--ort-node', ortNode] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`peer ${engine} exited with ${code}`)));
  });
  return {
    name: name ?? `node:http + onnxruntime-${engine}`, url: `http://127.0.0.1:${port}`, path: '/', headers: { 'Content-Type': 'application/json' },
    stop: async () => {
      child.kill();
    },
  };
}

interface Row { target: string; route: string; batch: number; connections: number; reqPerS: number; inputsPerS: number; p50Ms: number; windows: number[]; errors: number }

/**
 * autocannon for SECONDS, REPEATS rounds, the targets taking turns within each round (so that a burst of load from
 * elsewhere on the machine falls on every target alike); each target's median window req/s.
 */
async function load(targets: { t: Target; route: string; body?: string }[], batch: number, connections: number): Promise<Row[]> {
  const opts = targets.map(({ t, route, body }) => ({ url: `${t.url}${route}`, method: body ? 'POST' as const : 'GET' as const, headers: t.headers, body, connections }));
  for (const o of opts) await autocannon({ ...o, amount: Math.max(20, connections * 4) }); // warm-up
  const windows = targets.map(() => [] as number[]), errors = targets.map(() => 0), p50 = targets.map(() => 0);
  for (let r = 0; r < REPEATS; r++) {
    for (const [i, o] of opts.entries()) {
      const res = await autocannon({ ...o, duration: SECONDS });
      windows[i].push(res.requests.total / SECONDS);
      errors[i] += res.errors + res.non2xx;
      p50[i] = res.latency.p50;
    }
  }
  return targets.map(({ t, route }, i) => {
    const reqPerS = median(windows[i]);
    const n = route === '/healthz' ? 1 : batch;
    return { target: t.name, route, batch: n, connections, reqPerS, inputsPerS: reqPerS * n, p50Ms: p50[i], windows: windows[i], errors: errors[i] };
  });
}

async function timedPost(url: string, headers: Record<string, string>, body: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-serving-'));
  const stops: (() => Promise<void>)[] = [];
  const declared = args.intervention !== 'probe';
  const report: Record<string, unknown> = {
    seconds: SECONDS, repeats: REPEATS, exemplarDot: args['exemplar-dot'] !== 'off', members: args.members !== 'off',
    bundle: `392→390→390→2 (MLP, served + two twins), 1024 exemplars and members, ${declared ? 'colour swap declared (2 rows per input through the served network, twins and exemplar_dot on the input)' : 'probe (1 row per input)'}`,
  };
  try {
    const fixture = await makeFixtureBundle(path.join(dir, ID), {
      id: ID, hidden: [390, 390], train: 1024, exemplarDot: args['exemplar-dot'] !== 'off', members: args.members !== 'off', declareColourSwap: declared,
    });
    const inputs = fixture.test.map((t) => t.input);
    const batch = (n: number) => Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
    const bodies = new Map(BATCHES.map((n) => [n, JSON.stringify({ inputs: batch(n) })]));

    // The bundle load first: its ORT session creation is this process's first, with the wasm compile in it, as in a cold isolate.
    const bundleLoad = await profileBundleLoad(path.join(dir, ID));
    const profile = { bundleLoad, predict: await profilePredict(path.join(dir, ID), batch(256)) };
    report.profile = profile;
    console.log('profile (this process, shared code, onnxruntime-web in Node), one /v1/predict of batch 256, ms per phase (median of runs):');
    console.table(profile.predict);
    console.log('bundle load (verifyBundle with ORT init and graph checks), ms per phase (median of runs):');
    console.table(profile.bundleLoad);

    const vars = { MODELS: ID, ACTIVE_MODEL: ID, API_KEYS: KEY, BUNDLE_TTL_SECONDS: '3600' };
    const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
    const cold: number[] = [], coldCpu: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const served = await serveDirect(dir, vars);
      try {
        const cpu0 = workerdCpuMs();
        cold.push(await timedPost(`${served.url}/v1/predict`, headers, bodies.get(BATCHES[0])!));
        const cpu1 = workerdCpuMs();
        if (cpu0 !== null && cpu1 !== null) coldCpu.push(cpu1 - cpu0);
      } finally {
        await served.stop();
      }
    }
    report.cold = { firstPredictMs: cold, median: median(cold), workerdCpuMs: coldCpu, cpuMedian: coldCpu.length ? median(coldCpu) : null };
    console.log(`cold first /v1/predict (fresh workerd via Miniflare, R2 bundle: read + integrity + decode + ORT init + run), ${COLD_RUNS} starts: median ${median(cold).toFixed(0)} ms wall [${cold.map((c) => c.toFixed(0)).join(', ')}]`
      + (coldCpu.length ? `, workerd CPU median ${median(coldCpu)} ms [${coldCpu.join(', ')}] (target < 300 ms)` : ''));

    const served = await serveDirect(dir, vars);
    stops.push(served.stop);
    const worker: Target = { name: 'worker (workerd via Miniflare)', url: served.url, path: '/v1/predict', headers, stop: served.stop };
    // The peers run the bundle's networks as the four-output graph (no exemplar_dot, no fusion): the engine's own speed
    // on the model, the floor our per-input overhead is measured against.
    const peerModel = path.join(dir, 'peer-model.onnx');
    await writeFile(peerModel, exportBundleOnnx(fixture.networks));
    const web = await startPeer('web', { model: peerModel });
    stops.push(web.stop);
    // The same engine on our own graph and rows, without the scores.
    const ours = await startPeer('web', { bundle: path.join(dir, ID) }, undefined, 'node:http + onnxruntime-web, our graph');
    stops.push(ours.stop);
    const targets: Target[] = [worker, web, ours];
    const ortNode = args['ort-node'];
    let node: Target | undefined;
    if (ortNode && existsSync(ortNode)) {
      node = await startPeer('node', { model: peerModel }, path.resolve(ortNode));
      stops.push(node.stop);
      targets.push(node);
    } else console.log(`onnxruntime-node peer skipped: ${ortNode ? `${ortNode} does not exist` : 'no --ort-node PATH / ORT_NODE_PATH'} (install: mkdir -p /tmp/ortnode && cd /tmp/ortnode && npm init -y && ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0)`);

    const rows: Row[] = [];
    // The bare route takes its turns in the batch-1 rounds (and in the first batch's, should 1 not be asked for).
    for (const c of CONNECTIONS) {
      for (const [b, n] of BATCHES.entries()) {
        const bare = n === 1 || (b === 0 && !BATCHES.includes(1)) ? [{ t: worker, route: '/healthz' }] : [];
        rows.push(...await load([...bare, ...targets.map((t) => ({ t, route: t.path, body: bodies.get(n) }))], n, c));
      }
    }
    report.rows = rows;

    const find = (target: string, route: string, n: number, c: number) => rows.find((r) => r.target === target && r.route === route && r.batch === n && r.connections === c);
    const ratios = BATCHES.flatMap((n) => CONNECTIONS.map((c) => {
      const w = find(worker.name, '/v1/predict', n, c)!;
      const p = find(web.name, '/', n, c)!, g = find(ours.name, '/', n, c)!;
      const o = node ? find(node.name, '/', n, c) : undefined;
      const bare = find(worker.name, '/healthz', 1, c)!;
      return {
        batch: n, connections: c, 'worker inputs/s': Math.round(w.inputsPerS), 'ort-web inputs/s': Math.round(p.inputsPerS),
        'vs ort-web': +(w.inputsPerS / p.inputsPerS).toFixed(2),
        'ort-web our graph inputs/s': Math.round(g.inputsPerS), 'vs ort-web our graph': +(w.inputsPerS / g.inputsPerS).toFixed(2),
        'ort-node inputs/s': o ? Math.round(o.inputsPerS) : null, 'vs ort-node': o ? +(w.inputsPerS / o.inputsPerS).toFixed(3) : null,
        'vs bare route (req/s)': n === 1 ? +(w.reqPerS / bare.reqPerS).toFixed(2) : null,
      };
    }));
    report.ratios = ratios;
    console.log(`\nload rows (autocannon, ${REPEATS} × ${SECONDS} s windows, median):`);
    console.table(rows.map((r) => ({ target: r.target, route: r.route, batch: r.batch, conns: r.connections, 'req/s': Math.round(r.reqPerS), 'inputs/s': Math.round(r.inputsPerS), 'p50 ms': r.p50Ms, errors: r.errors })));
    console.log('ratios (targets: batch 32 and 256 ≥ 0.8× ort-web; batch 1 ≥ 0.9× bare route; "our graph": the same session.run without the scores):');
    console.table(ratios);
    if (rows.some((r) => r.errors > 0)) throw new Error('some benchmark requests failed');
    await mkdir(path.dirname(path.resolve(args.out!)), { recursive: true });
    await writeFile(args.out!, JSON.stringify(report, null, 2));
    console.log(`written: ${args.out}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
