/**
 * Worker benchmark, measured from outside the worker against `wrangler dev` (workerd) with autocannon:
 * deploy bundle size (gzip), cold first /v1/predict over fresh starts, then warm latency of /v1/predict next to
 * /healthz in the same run (sequential requests, ≥ 1000 each), with medians, p99 and their ratio.
 *
 *   npm run bench:worker                      # fixture bundles (tests/fixtures/bundle)
 *   npm run bench:worker -- --bundles bundles # the trainer's bundles/<model-id>/ folders
 */
import autocannon from 'autocannon';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Manifest, Samples, quantiles } from '#shared';
import { makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { dryRunSize, startWranglerDev, type DevServer } from '../tests/e2e/wrangler-dev.js';

const { values: args } = parseArgs({
  options: {
    bundles: { type: 'string' },
    models: { type: 'string', default: 'mat-cmnist,erm-cmnist' },
    requests: { type: 'string', default: '2000' },
    'cold-runs': { type: 'string', default: '3' },
  },
});
const REQUESTS = Math.max(1000, Number(args.requests));
const COLD_RUNS = Math.max(1, Number(args['cold-runs']));
const MODELS = args.models!;
const ACTIVE = MODELS.split(',')[0].split('=')[0];
const KEY = `bench-${Math.random().toString(36).slice(2)}`;

const median = (xs: number[]) => quantiles(xs, [0.5])[0];
const ms = (v: number) => `${v.toFixed(2)} ms`;

async function bundlesDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  if (args.bundles) return { dir: path.resolve(args.bundles), cleanup: async () => undefined };
  const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-bench-'));
  for (const [i, id] of MODELS.split(',').map((m) => m.split('=')[0]).entries())
    await makeFixtureBundle(path.join(dir, id), { id, algorithm: i === 0 ? 'mat' : 'erm', seed: 7 + i });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** One input of the active model: its first test sample, else mid-grey. */
async function probeInput(dir: string): Promise<number[]> {
  const manifest = Manifest.parse(JSON.parse(await readFile(path.join(dir, ACTIVE, 'manifest.json'), 'utf8')));
  try {
    return Samples.parse(JSON.parse(await readFile(path.join(dir, ACTIVE, 'samples.json'), 'utf8'))).items[0].input;
  } catch {
    return new Array(manifest.input.dim).fill(0.5);
  }
}

const start = (dir: string) => startWranglerDev({
  assetsDir: dir,
  vars: { MODELS, ACTIVE_MODEL: ACTIVE, BUNDLE_SOURCE: 'assets', API_KEYS: KEY },
});

function predictRequest(url: string, inputs: number[][]) {
  return { url: `${url}/v1/predict`, method: 'POST' as const, headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs }) };
}

async function timedFetch(req: ReturnType<typeof predictRequest>): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(req.url, req);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${req.url} answered ${res.status}`);
  return performance.now() - t0;
}

interface LatencyRun { label: string; requests: number; p50: number; p99: number; mean: number; autocannonP50: number; autocannonP99: number; non2xx: number; rps: number }

/** autocannon with `connections`; percentiles from every response's own (sub-millisecond) time. */
async function measure(label: string, opts: autocannon.Options): Promise<LatencyRun> {
  const times: number[] = [];
  const t0 = performance.now();
  const instance = autocannon({ ...opts, amount: REQUESTS });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => statusCode === 200 && times.push(responseTime));
  const result = await instance;
  const seconds = (performance.now() - t0) / 1000;
  const [p50, p99] = quantiles(times, [0.5, 0.99]);
  return {
    label, requests: result.requests.total, p50, p99, mean: times.reduce((s, v) => s + v, 0) / times.length, rps: result.requests.total / seconds,
    autocannonP50: result.latency.p50, autocannonP99: result.latency.p99, non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const { dir, cleanup } = await bundlesDir();
  const input = await probeInput(dir);
  const report: Record<string, unknown> = { bundles: args.bundles ?? 'fixture', models: MODELS };
  let server: DevServer | undefined;
  try {
    const size = await dryRunSize();
    report.size = { totalKiB: size.totalKiB, gzipKiB: size.gzipKiB };
    console.log(`bundle (wrangler deploy --dry-run --minify): ${size.totalKiB} KiB, gzip ${size.gzipKiB} KiB (limit 10240 KiB)`);

    const cold: { startupMs: number; firstPredictMs: number; secondPredictMs: number }[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const dev = await start(dir);
      try {
        const req = predictRequest(dev.url, [input]);
        cold.push({ startupMs: dev.startupMs, firstPredictMs: await timedFetch(req), secondPredictMs: await timedFetch(req) });
      } finally {
        await dev.stop();
      }
    }
    report.cold = cold;
    console.log(`cold first /v1/predict (fresh wrangler dev, bundle load + integrity + ORT init + run), ${COLD_RUNS} starts: `
      + `median ${ms(median(cold.map((c) => c.firstPredictMs)))} [${cold.map((c) => c.firstPredictMs.toFixed(0)).join(', ')}], `
      + `second request median ${ms(median(cold.map((c) => c.secondPredictMs)))}, startup median ${ms(median(cold.map((c) => c.startupMs)))}`);

    server = await start(dir);
    const one = predictRequest(server.url, [input]);
    for (let i = 0; i < 100; i++) await timedFetch(one);
    const runs = [
      await measure('GET /healthz', { url: `${server.url}/healthz`, connections: 1 }),
      await measure('POST /v1/predict (batch 1)', { ...one, connections: 1 }),
      await measure('GET /healthz, 8 connections', { url: `${server.url}/healthz`, connections: 8 }),
      await measure('POST /v1/predict (batch 1), 8 connections', { ...one, connections: 8 }),
      await measure('POST /v1/predict (batch 64)', { ...predictRequest(server.url, Array.from({ length: 64 }, () => input)), connections: 1 }),
    ];
    report.warm = runs;
    console.log(`\nwarm latency, ${REQUESTS} requests per row, same wrangler dev:`);
    console.table(runs.map((r) => ({
      route: r.label, requests: r.requests, non2xx: r.non2xx, 'p50 ms': r.p50.toFixed(2), 'p99 ms': r.p99.toFixed(2), 'mean ms': r.mean.toFixed(2), 'req/s': Math.round(r.rps),
    })));
    const [health, predict, health8, predict8] = runs;
    report.ratio = { p50: predict.p50 / health.p50, p99: predict.p99 / health.p99, reqPerS: predict.rps / health.rps, reqPerS8: predict8.rps / health8.rps };
    console.log(`single-input requests/s vs the bare route through wrangler dev's proxy (issue 9's target ≥ 0.9×): `
      + `${(predict.rps / health.rps).toFixed(2)}× at 1 connection (${Math.round(predict.rps)} vs ${Math.round(health.rps)}), `
      + `${(predict8.rps / health8.rps).toFixed(2)}× at 8 (${Math.round(predict8.rps)} vs ${Math.round(health8.rps)})`);
    console.log(`/v1/predict vs /healthz (sequential): median ${ms(predict.p50)} vs ${ms(health.p50)}, ratio ${(predict.p50 / health.p50).toFixed(2)}; `
      + `p99 ${ms(predict.p99)} vs ${ms(health.p99)}, ratio ${(predict.p99 / health.p99).toFixed(2)}`);
    if (runs.some((r) => r.non2xx > 0)) throw new Error('some benchmark requests failed');
    await mkdir('artifacts', { recursive: true });
    await writeFile('artifacts/bench-worker.json', JSON.stringify(report, null, 2));
    console.log('\nwritten: artifacts/bench-worker.json');
  } finally {
    await server?.stop();
    await cleanup();
  }
}

await main();
