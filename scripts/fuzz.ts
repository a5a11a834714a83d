/**
 * `npm run fuzz`: seeded request fuzzing of every route against the worker in workerd (`wrangler dev`, fixture
 * bundles), then the memory peak of the worst bodies, then a check that a valid answer is unchanged.
 *
 *   npm run fuzz                               # 10,000 cases, seed 20261201
 *   npm run fuzz -- --cases 20000 --seed 7
 *   npm run fuzz -- --peak-bound-mib 96        # the per-request memory bound the worst bodies are held to
 *   npm run fuzz -- --direct                   # workerd through Miniflare, without wrangler dev's layer
 *
 * Fails (exit 1) on any 5xx, any error body off `{error:{code,message,issues?}}`, a worst body over the bound, or a
 * valid answer that changed. Memory: VmRSS / VmHWM of the workerd process from /proc, the peak reset before each
 * worst body (`clear_refs`), so "peak rise" is what that one request added to the process's resident set.
 */
import { parseArgs } from 'node:util';
import { WORST_BODIES, countsTable, runFuzz, worstBodies, type FuzzCase } from '../tests/worker/fuzz-cases.js';
import { memoryOf, resetPeak, startFixtureWorker } from './reliability/fixture-worker.js';

const { values: args } = parseArgs({
  options: {
    direct: { type: 'boolean', default: false },
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '20261201' },
    'peak-bound-mib': { type: 'string', default: '64' },
  },
});
const CASES = Number(args.cases), SEED = Number(args.seed), BOUND = Number(args['peak-bound-mib']);

const worker = await startFixtureWorker({ direct: args.direct });
const pid = await worker.workerdPid();
const { url } = worker;
const auth = { Authorization: `Bearer ${worker.ctx.key}`, 'Content-Type': 'application/json' };
let failed = false;

async function send(c: FuzzCase): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`${url}${c.path}`, { method: c.method, headers: c.headers, body: c.body, signal: AbortSignal.timeout(60_000) });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    // A dropped connection or a hang is a failure of the worker too: recorded as status 599.
    return { status: 599, text: `no response: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const valid: FuzzCase = { family: 'valid', method: 'POST', path: '/v1/predict', headers: auth, body: JSON.stringify({ inputs: worker.inputs, explain: true }) };

try {
  const before = await send(valid);
  if (before.status !== 200) throw new Error(`the valid request failed before fuzzing: ${before.status} ${before.text.slice(0, 200)}`);
  const memStart = await memoryOf(pid);

  // The worst bodies, one at a time, on every route that takes input rows, then four long rows at once on the demo.
  const routes = [['/v1/predict', auth], ['/v1/evaluate', auth], ['/demo/predict', { 'Content-Type': 'application/json' }]] as const;
  const rows: string[] = ['| body | bytes | route | status | peak rise (MiB) |', '|---|---:|---|---:|---:|'];
  let worstRise = 0;
  const measure = async (label: string, bytes: number, route: string, requests: FuzzCase[], expected = [400, 413]) => {
    const rest = await memoryOf(pid);
    await resetPeak(pid);
    const results = await Promise.all(requests.map(send));
    const rise = (await memoryOf(pid)).peakMiB - rest.rssMiB;
    worstRise = Math.max(worstRise, rise);
    const statuses = [...new Set(results.map((r) => r.status))].join(',');
    rows.push(`| ${label} | ${bytes} | ${route} | ${statuses} | ${rise.toFixed(1)} |`);
    if (rise > BOUND || results.some((r) => !expected.includes(r.status))) failed = true;
  };
  const bodies = worstBodies();
  for (const name of WORST_BODIES) {
    for (const [route, headers] of routes) {
      await measure(name, bodies[name].length, route, [{ family: name, method: 'POST', path: route, headers: { ...headers, 'CF-Connecting-IP': '10.200.0.1' }, body: bodies[name] }]);
    }
  }
  // For scale: the largest valid batch, answered (256 rows of input.dim values).
  const fullBatch = JSON.stringify({ inputs: Array.from({ length: 256 }, (_, i) => worker.inputs[i % worker.inputs.length]) });
  await measure('valid batch of 256', fullBatch.length, '/v1/predict', [{ family: 'valid', method: 'POST', path: '/v1/predict', headers: auth, body: fullBatch }], [200]);
  await measure('longRow ×4 at once', bodies.longRow.length, '/demo/predict', [1, 2, 3, 4].map((i) => ({
    family: 'longRow', method: 'POST', path: '/demo/predict', headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': `10.200.1.${i}` }, body: bodies.longRow,
  })));

  const started = Date.now();
  const result = await runFuzz(worker.ctx, CASES, SEED, send);
  const seconds = (Date.now() - started) / 1000;
  const after = await send(valid);
  const memEnd = await memoryOf(pid);

  console.log(`\n## Fuzz: ${result.cases} cases, seed ${SEED}, ${seconds.toFixed(0)} s, against ${worker.via}\n`);
  console.log(countsTable(result.counts));
  console.log('\nBy body family:\n');
  console.log(countsTable(result.families, 'family'));
  const fiveXX = [...result.counts.values()].reduce((n, m) => n + [...m].filter(([s]) => s >= 500).reduce((a, [, k]) => a + k, 0), 0);
  console.log(`\n5xx from the worker: ${fiveXX}; bodies off the error shape: ${result.breaches.filter((b) => !b.reason.startsWith('status 5')).length}`);
  for (const b of result.breaches) console.log(`  BREACH ${b.case}\n    ${b.reason}`);
  console.log(`valid answer after fuzzing: ${after.status === before.status && after.text === before.text ? 'byte-identical' : 'CHANGED'}`);
  console.log(`\n## Worst bodies: memory peak of the workerd process per request (bound ${BOUND} MiB)\n`);
  console.log(rows.join('\n'));
  console.log(`\nworst peak rise: ${worstRise.toFixed(1)} MiB; workerd resident set ${memStart.rssMiB.toFixed(0)} MiB before, ${memEnd.rssMiB.toFixed(0)} MiB after all of the above`);
  if (result.breaches.length || after.text !== before.text || after.status !== before.status) failed = true;
} finally {
  await worker.stop();
}
console.log(failed ? '\nFUZZ FAILED' : '\nfuzz ok');
process.exit(failed ? 1 : 0);
