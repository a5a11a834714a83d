/**
 * `npm run soak`: sustained load with autocannon against the worker in workerd (`wrangler dev`, fixture bundles):
 * single and batch requests, each row for a bounded time. While the load runs, a sampler sends the same request
 * and compares every answer byte for byte with the answer to a lone request before the load; the workerd process's
 * memory is read from /proc before and after each row, and its peak during it (VmHWM, reset per row).
 *
 *   npm run soak                                  # 20 s per row, 16 connections
 *   npm run soak -- --seconds 60 --connections 16
 *   npm run soak -- --direct                      # workerd through Miniflare, without wrangler dev's layer
 *
 * Fails (exit 1) on any error (connection error, timeout, non-2xx) or any sampled answer that differs.
 */
import autocannon from 'autocannon';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { memoryOf, resetPeak, startFixtureWorker } from './reliability/fixture-worker.js';

const { values: args } = parseArgs({
  options: {
    direct: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '16' },
    rows: { type: 'string' },
  },
});
const SECONDS = Number(args.seconds), CONNECTIONS = Number(args.connections);

const worker = await startFixtureWorker({ direct: args.direct });
const pid = await worker.workerdPid();
const { url } = worker;
const headers = { Authorization: `Bearer ${worker.ctx.key}`, 'Content-Type': 'application/json' };
const batch = (n: number) => Array.from({ length: n }, (_, i) => worker.inputs[i % worker.inputs.length]);

const rows = [
  { label: 'predict ×1', path: '/v1/predict', body: JSON.stringify({ inputs: batch(1) }) },
  { label: 'predict ×1 explain', path: '/v1/predict', body: JSON.stringify({ inputs: batch(1), explain: true }) },
  { label: 'predict ×64', path: '/v1/predict', body: JSON.stringify({ inputs: batch(64) }) },
  { label: 'predict ×256', path: '/v1/predict', body: JSON.stringify({ inputs: batch(256) }) },
  { label: 'evaluate ×64', path: '/v1/evaluate', body: JSON.stringify({ inputs: batch(64), labels: batch(64).map((_, i) => i % 2) }) },
  { label: 'healthz', path: '/healthz', body: undefined },
];

const selected = args.rows ? rows.filter((r) => args.rows!.split(',').includes(r.label)) : rows;

/** One request on a fresh connection (no keep-alive: a lone request, not one queued behind a reused socket). */
const lone = (path: string, body: string | undefined) => new Promise<{ status: number; text: string }>((resolve, reject) => {
  const req = request(`${url}${path}`, { method: body ? 'POST' : 'GET', headers: { ...headers, Connection: 'close' }, agent: false, timeout: 60_000 }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (text += d));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    res.on('error', reject);
  });
  req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
  req.on('error', reject);
  req.end(body);
});

const table = [
  '| row | conns | s | requests | req/s | p50 ms | p99 ms | max ms | errors | timeouts | non-2xx | sampled | identical | RSS before MiB | RSS after MiB | peak MiB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
let failed = false;
try {
  const memStart = await memoryOf(pid);
  for (const row of selected) {
    const reference = await lone(row.path, row.body);
    if (reference.status !== 200) throw new Error(`${row.label}: lone request answered ${reference.status}: ${reference.text.slice(0, 200)}`);
    const before = await memoryOf(pid);
    await resetPeak(pid);
    let loadRunning = true, sampled = 0, identical = 0;
    const sampler = (async () => {
      while (loadRunning) {
        const got = await lone(row.path, row.body).catch((e) => ({ status: 0, text: `no response: ${e instanceof Error ? `${e.message} ${String(e.cause ?? '')}` : String(e)}` }));
        sampled++;
        if (got.status === reference.status && got.text === reference.text) identical++;
        else {
          let at = 0;
          while (at < got.text.length && got.text[at] === reference.text[at]) at++;
          console.log(`${row.label}: sampled answer differs: status ${got.status}, ${got.text.length} vs ${reference.text.length} chars, first difference at ${at}: ${JSON.stringify(got.text.slice(Math.max(0, at - 40), at + 40))} vs ${JSON.stringify(reference.text.slice(Math.max(0, at - 40), at + 40))}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const result = await autocannon({
      url: `${url}${row.path}`, method: row.body ? 'POST' : 'GET', headers, body: row.body,
      connections: CONNECTIONS, duration: SECONDS, timeout: 30,
    });
    loadRunning = false;
    await sampler;
    const after = await memoryOf(pid);
    const bad = result.errors + result.timeouts + result.non2xx;
    if (bad > 0 || identical !== sampled) failed = true;
    table.push(`| ${row.label} | ${CONNECTIONS} | ${SECONDS} | ${result.requests.total} | ${(result.requests.total / result.duration).toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${(result.latency as { max?: number }).max ?? ''} | ${result.errors} | ${result.timeouts} | ${result.non2xx} | ${sampled} | ${identical} | ${before.rssMiB.toFixed(0)} | ${after.rssMiB.toFixed(0)} | ${after.peakMiB.toFixed(0)} |`);
  }
  const memEnd = await memoryOf(pid);
  console.log(`\n## Soak: ${selected.length} rows × ${SECONDS} s at ${CONNECTIONS} connections against ${worker.via}, fixture bundles\n`);
  console.log(table.join('\n'));
  console.log(`\nworkerd resident set: ${memStart.rssMiB.toFixed(0)} MiB before the soak, ${memEnd.rssMiB.toFixed(0)} MiB after`);
} finally {
  await worker.stop();
}
console.log(failed ? '\nSOAK FAILED' : '\nsoak ok: 0 errors, every sampled answer byte-identical to the lone answer');
process.exit(failed ? 1 : 0);
