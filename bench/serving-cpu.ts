/**
 * workerd CPU time per request, route by route, with sequential requests (`npx tsx bench/serving-cpu.ts`): the deploy
 * build in workerd through Miniflare (as bench/serving-bench.ts runs it), the same fixture bundle (392→390→390→2,
 * 1024 exemplars and members, the colour swap declared unless `--intervention probe`). On a machine shared with other jobs a request's wall time includes waiting for a core;
 * the CPU time workerd spends on it does not, so this compares two builds where throughput rows cannot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { quantiles } from '#shared';
import { makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { serveDirect } from '../scripts/reliability/fixture-worker.js';
import { workerdCpuMs } from './workerd-cpu.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '400' }, out: { type: 'string' },
    /** declared (default): the colour swap run on [x; x′] as trained bundles are; probe: the older probe bundles. */
    intervention: { type: 'string', default: 'declared' },
  },
});
const N = Number(args.requests), ID = 'bench-mat', KEY = `bench-${Math.random().toString(36).slice(2)}`;

const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-serving-cpu-'));
try {
  const fixture = await makeFixtureBundle(path.join(dir, ID), { id: ID, hidden: [390, 390], train: 1024, declareColourSwap: args.intervention !== 'probe' });
  const inputs = fixture.test.map((t) => t.input);
  const body = (n: number) => JSON.stringify({ inputs: Array.from({ length: n }, (_, i) => inputs[i % inputs.length]) });
  const served = await serveDirect(dir, { MODELS: ID, ACTIVE_MODEL: ID, API_KEYS: KEY, BUNDLE_TTL_SECONDS: '3600' });
  const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
  const send = async (route: string, b?: string) => {
    const t0 = performance.now();
    const res = await fetch(served.url + route, b ? { method: 'POST', headers, body: b } : {});
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${route} answered ${res.status}`);
    return performance.now() - t0;
  };
  const rows = [];
  try {
    for (const [name, route, b, n] of [['/healthz', '/healthz', undefined, N], ['predict, batch 1', '/v1/predict', body(1), N], ['predict, batch 32', '/v1/predict', body(32), Math.ceil(N / 4)], ['predict, batch 256', '/v1/predict', body(256), Math.ceil(N / 16)]] as const) {
      for (let i = 0; i < 10; i++) await send(route, b); // warm-up (the first loads the bundle)
      const wall: number[] = [];
      const cpu0 = workerdCpuMs();
      for (let i = 0; i < n; i++) wall.push(await send(route, b));
      const cpu1 = workerdCpuMs();
      rows.push({ route: name, requests: n, 'wall p50 ms': +quantiles(wall, [0.5])[0].toFixed(3), 'workerd CPU ms / request': cpu0 === null || cpu1 === null ? null : +((cpu1 - cpu0) / n).toFixed(3) });
    }
  } finally {
    await served.stop();
  }
  console.table(rows);
  if (args.out) await (await import('node:fs/promises')).writeFile(args.out, JSON.stringify(rows, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
