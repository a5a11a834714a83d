/**
 * `npm run bench:limits [-- --bundles DIR --requests N --out FILE]`: the Workers plan limits (scripts/plan-limits.ts)
 * measured against our worker and bundles (README "Deploy"):
 * - script size: `wrangler deploy --dry-run --env production --minify`, raw and gzip;
 * - startup: the built worker started straight in workerd (Miniflare, scripts/reliability/direct-worker.ts) until it
 *   answers — workerd's start, the script's parse and top-level evaluation and the ORT wasm module's compilation — with
 *   the CPU workerd spent on it; and the first request per model, which loads its bundle (R2 read, sha256, schema,
 *   ORT session, load-time probe);
 * - isolate memory: V8's own account of the user worker's isolate after a garbage collection (heap in use, ArrayBuffer
 *   backing stores and WebAssembly memories, through workerd's inspector: bench/isolate-heap.ts) and workerd's resident
 *   set, idle, with the bundles loaded and after batches of 256;
 * - CPU per request at batch 1, 32 and 256: workerd's on-CPU time (the sum over its threads of
 *   /proc/<pid>/task/<tid>/schedstat's first field, in ns) across N sequential requests, divided by N. It includes
 *   workerd's HTTP handling and its other threads, so it bounds the isolate's CPU time from above; wall time, which a
 *   shared machine inflates, is shown beside it. `/healthz` gives the cost of a request that does no inference.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { quantiles } from '#shared';
import { readBundle } from '../trainer/src/bundle/read.js';
import { dryRunSize, freePort } from '../tests/e2e/wrangler-dev.js';
import { buildDeployedWorker, compatibilityDate, startDirectWorker } from '../scripts/reliability/direct-worker.js';
import { descendants, memoryOf, resetPeak } from '../scripts/reliability/fixture-worker.js';
import { ISOLATE_MEMORY_MIB, PLAN_LIMITS, STARTUP_MS } from '../scripts/plan-limits.js';
import { connectIsolate } from './isolate-heap.js';

const { values: args } = parseArgs({
  options: {
    bundles: { type: 'string', default: 'bundles' },
    /** Sequential requests per measured row (after 2 warm-ups). */
    requests: { type: 'string', default: '20' },
    batches: { type: 'string', default: '1,32,256' },
    out: { type: 'string', default: 'artifacts/limits.json' },
  },
});
const N = Math.max(1, Number(args.requests)), BATCHES = args.batches!.split(',').map(Number);
const KEY = `limits-${Math.random().toString(36).slice(2)}`;
const median = (xs: number[]) => quantiles(xs, [0.5])[0];
const round = (x: number, d = 1) => Number(x.toFixed(d));

/** The only workerd process below this one. */
async function workerdPid(): Promise<number> {
  const workerd = (await descendants(process.pid)).filter((p) => p.name === 'workerd');
  if (workerd.length !== 1) throw new Error(`expected one workerd below this process, found ${workerd.length}`);
  return workerd[0].pid;
}

/**
 * workerd's CPU up to ready for a one-line worker: what starting workerd itself costs, to tell our script's startup
 * (parse, top-level evaluation, the ORT wasm module's compilation) from it.
 */
async function baselineStartup(): Promise<{ wallMs: number; cpuMs: number }> {
  const { Miniflare } = await import('miniflare');
  const t0 = performance.now();
  const mf = new Miniflare({ modules: true, script: 'export default { fetch: () => new Response("ok") }', compatibilityDate: await compatibilityDate(), host: '127.0.0.1', port: 0 });
  try {
    await mf.ready;
    const wallMs = performance.now() - t0;
    return { wallMs, cpuMs: (await cpuNs(await workerdPid())) / 1e6 };
  } finally {
    await mf.dispose();
  }
}

/** workerd's on-CPU time so far, ns: every thread's schedstat run time. */
async function cpuNs(pid: number): Promise<number> {
  let total = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '0');
    total += Number(stat.split(' ')[0]);
  }
  return total;
}

async function main() {
  const ids = (await readdir(args.bundles!, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const bundles = await Promise.all(ids.map(async (id) => ({ id, bundle: await readBundle(path.join(args.bundles!, id), { graph: false }) })));
  if (!bundles.length) throw new Error(`no bundle folders in ${args.bundles}`);
  // The active model first, as the production vars list it (mat before erm).
  bundles.sort((a, b) => Number(b.bundle.manifest.training.algorithm === 'mat') - Number(a.bundle.manifest.training.algorithm === 'mat'));
  const rows = (id: string) => {
    const items = bundles.find((b) => b.id === id)!.bundle.samples?.items;
    if (!items?.length) throw new Error(`${id}: the bundle has no samples.json rows to send`);
    return (n: number) => Array.from({ length: n }, (_, i) => items[i % items.length]);
  };
  const report: Record<string, unknown> = {
    date: new Date().toISOString(), bundles: bundles.map(({ id, bundle: b }) => `${id}@${b.manifest.model.version}`), requestsPerRow: N,
    note: 'CPU: workerd process on-CPU time (all threads, /proc schedstat) per request, an upper bound on the isolate\'s; memory: the user isolate\'s V8 heap + backing stores + WebAssembly memories after a GC (inspector), and workerd RSS',
  };

  console.log(`script size: wrangler deploy --dry-run --env production (minify) …`);
  const size = await dryRunSize({ env: 'production' });
  report.script = { ...size, output: undefined };

  const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-limits-'));
  try {
    const dist = await buildDeployedWorker(work);
    const baseline = await baselineStartup();
    const inspectorPort = await freePort();
    const vars = { MODELS: bundles.map((b) => b.id).join(','), ACTIVE_MODEL: bundles[0].id, API_KEYS: KEY, BUNDLE_TTL_SECONDS: '3600' };
    const started = performance.now();
    const worker = await startDirectWorker(dist, vars, { inspectorPort });
    const startupMs = performance.now() - started;
    try {
      const pid = await workerdPid();
      const startupCpuMs = (await cpuNs(pid)) / 1e6;
      const isolate = await connectIsolate(inspectorPort);
      const memory = async (label: string) => {
        const { rssMiB, peakMiB } = await memoryOf(pid);
        return { at: label, ...(await isolate.memory()), rssMiB, peakRssMiB: peakMiB };
      };
      const memoryRows = [await memory('idle, no bundle loaded')];
      for (const { id } of bundles) {
        for (const name of await readdir(path.join(args.bundles!, id))) await worker.bucket.put(`${id}/${name}`, new Uint8Array(await readFile(path.join(args.bundles!, id, name))));
      }

      const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
      const timed = async (route: string, body?: unknown) => {
        const init = body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) };
        const cpu0 = await cpuNs(pid), t0 = performance.now();
        const res = await fetch(`${worker.url}${route}`, init);
        const text = await res.text();
        const wallMs = performance.now() - t0, cpuMs = ((await cpuNs(pid)) - cpu0) / 1e6;
        if (res.status !== 200) throw new Error(`${route}: ${res.status} ${text.slice(0, 300)}`);
        return { wallMs, cpuMs };
      };
      const predictBody = (id: string, n: number) => ({ model: id, inputs: rows(id)(n).map((s) => s.input) });
      const evaluateBody = (id: string, n: number) => {
        const picked = rows(id)(n);
        return { model: id, inputs: picked.map((s) => s.input), labels: picked.map((s) => s.label) };
      };

      const cold: { model: string; wallMs: number; cpuMs: number }[] = [];
      for (const { id } of bundles) cold.push({ model: id, ...(await timed('/v1/predict', predictBody(id, 1))) });
      memoryRows.push(await memory(`${bundles.length} bundles loaded (one batch-1 request each)`));

      const cpuRows: { request: string; 'CPU ms median': number; 'CPU ms max': number; 'wall ms median': number }[] = [];
      const measure = async (what: string, route: string, body?: unknown) => {
        for (let i = 0; i < 2; i++) await timed(route, body);
        const runs = [];
        for (let i = 0; i < N; i++) runs.push(await timed(route, body));
        const cpu = runs.map((r) => r.cpuMs), wall = runs.map((r) => r.wallMs);
        cpuRows.push({ request: what, 'CPU ms median': round(median(cpu), 2), 'CPU ms max': round(Math.max(...cpu), 2), 'wall ms median': round(median(wall), 2) });
      };
      await measure('GET /healthz', '/healthz');
      const active = bundles[0].id;
      for (const n of BATCHES) await measure(`POST /v1/predict, batch ${n}`, '/v1/predict', predictBody(active, n));
      await resetPeak(pid);
      const largest = Math.max(...BATCHES);
      await measure(`POST /v1/evaluate, batch ${largest}`, '/v1/evaluate', evaluateBody(active, largest));
      memoryRows.push(await memory(`after ${N + 2} batches of ${largest} (predict, then evaluate)`));
      isolate.close();

      const coldCpu = Math.max(...cold.map((c) => c.cpuMs));
      const scriptStartupCpuMs = startupCpuMs - baseline.cpuMs;
      report.startup = { workerReadyMs: startupMs, workerdCpuMs: startupCpuMs, emptyWorker: baseline, scriptCpuMs: scriptStartupCpuMs, firstRequest: cold };
      report.memory = memoryRows;
      report.cpu = cpuRows;

      const peakIsolate = Math.max(...memoryRows.map((m) => m.totalMiB));
      const warm256 = cpuRows.find((r) => r.request === `POST /v1/predict, batch ${largest}`)!['CPU ms median'];
      const verdict = (value: number, limit: number) => (value <= limit ? 'fits' : `over by ${round(value - limit)}`);
      const limits = [
        { limit: 'script size (gzip)', measured: `${size.gzipKiB} KiB (raw ${size.totalKiB} KiB)`, Free: `${PLAN_LIMITS.free.scriptGzipKiB} KiB: ${verdict(size.gzipKiB, PLAN_LIMITS.free.scriptGzipKiB)}`, Paid: `${PLAN_LIMITS.paid.scriptGzipKiB} KiB: ${verdict(size.gzipKiB, PLAN_LIMITS.paid.scriptGzipKiB)}` },
        { limit: 'isolate memory (V8 heap + backing stores + wasm memory, largest reading)', measured: `${round(peakIsolate)} MiB`, Free: `${ISOLATE_MEMORY_MIB} MB: ${verdict(peakIsolate, ISOLATE_MEMORY_MIB)}`, Paid: `${ISOLATE_MEMORY_MIB} MB: ${verdict(peakIsolate, ISOLATE_MEMORY_MIB)}` },
        { limit: `CPU per request, warm batch ${largest}`, measured: `${warm256} ms`, Free: `${PLAN_LIMITS.free.cpuMsPerRequest} ms: ${verdict(warm256, PLAN_LIMITS.free.cpuMsPerRequest)}`, Paid: `${PLAN_LIMITS.paid.cpuMsPerRequest} ms: ${verdict(warm256, PLAN_LIMITS.paid.cpuMsPerRequest)}` },
        { limit: 'CPU of the first request per model (bundle load)', measured: `${round(coldCpu)} ms`, Free: `${PLAN_LIMITS.free.cpuMsPerRequest} ms: ${verdict(coldCpu, PLAN_LIMITS.free.cpuMsPerRequest)}`, Paid: `${PLAN_LIMITS.paid.cpuMsPerRequest} ms: ${verdict(coldCpu, PLAN_LIMITS.paid.cpuMsPerRequest)}` },
        { limit: 'startup CPU (workerd to ready, less an empty worker\'s)', measured: `${round(scriptStartupCpuMs)} ms`, Free: `${STARTUP_MS} ms: ${verdict(scriptStartupCpuMs, STARTUP_MS)}`, Paid: `${STARTUP_MS} ms: ${verdict(scriptStartupCpuMs, STARTUP_MS)}` },
      ];
      report.limits = limits;

      console.log(`\nbundles: ${(report.bundles as string[]).join(', ')}; ${N} sequential requests per row after 2 warm-ups`);
      console.log('\nstartup and first request per model (bundle load):');
      console.table([
        { what: 'empty worker: start to ready (Miniflare → workerd)', 'wall ms': round(baseline.wallMs), 'CPU ms': round(baseline.cpuMs) },
        { what: 'our worker: start to ready', 'wall ms': round(startupMs), 'CPU ms': round(startupCpuMs) }, ...cold.map((c) => ({ what: `first /v1/predict ${c.model}`, 'wall ms': round(c.wallMs), 'CPU ms': round(c.cpuMs) }))]);
      console.log('isolate memory (MiB):');
      console.table(memoryRows.map((m) => ({ at: m.at, 'V8 heap': round(m.heapMiB), 'backing stores': round(m.backingMiB), 'wasm memory': round(m.wasmMiB), isolate: round(m.totalMiB), 'workerd RSS': round(m.rssMiB), 'workerd peak RSS': round(m.peakRssMiB) })));
      console.log('CPU per request (workerd on-CPU time, all threads):');
      console.table(cpuRows);
      console.log('against the plan limits (scripts/plan-limits.ts):');
      console.table(limits);
      await mkdir(path.dirname(path.resolve(args.out!)), { recursive: true });
      await writeFile(args.out!, JSON.stringify(report, null, 2));
      console.log(`written: ${args.out}`);
    } finally {
      await worker.dispose();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
