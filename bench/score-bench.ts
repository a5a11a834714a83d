/**
 * `mat-edge score` over a large labelled file against `wrangler dev` serving a fixture bundle: rows/s and retries,
 * once straight to the worker and once through a stand-in that refuses some requests (the merged evaluations must be
 * identical). ROWS (default 100000) random Colored-MNIST-shaped rows as a float64 .npy with a labels
 * table; CONCURRENCY requests in flight (default 4).
 *   npx tsx bench/score-bench.ts
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { open, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatEvaluation } from '../trainer/src/cli/evaluate-command.js';
import { scoreLine, type ScoreResult } from '../trainer/src/cli/score-command.js';
import { RandomState } from '../trainer/src/random.js';
import { GROUP_NAMES, makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { startWranglerDev } from '../tests/e2e/wrangler-dev.js';

const ROWS = Number(process.env.ROWS ?? 100_000);
const CONCURRENCY = process.env.CONCURRENCY ?? '4';
const KEY = 'score-bench-key';
const TIME = '/usr/bin/time';

const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-score-bench-'));
const fixture = await makeFixtureBundle(path.join(work, 'bundles', 'mat-cmnist'), { id: 'mat-cmnist', algorithm: 'mat' });
const D = fixture.manifest.input.dim;

// The rows, written chunk by chunk (pixel values on a 1/8 grid keep the JSON short, as 8-bit images would be).
const npy = path.join(work, 'rows.npy'), labelsFile = path.join(work, 'labels.csv');
let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${ROWS}, ${D}), }`;
header += `${' '.repeat(64 - ((10 + header.length + 1) % 64))}\n`;
const file = await open(npy, 'w');
await file.write(Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(new Uint16Array([header.length]).buffer), Buffer.from(header, 'latin1')]));
const rng = new RandomState(3);
const labelLines = ['label,group'];
for (let start = 0; start < ROWS; start += 1000) {
  const n = Math.min(1000, ROWS - start), x = new Float64Array(n * D);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.random() * 9) / 8;
  await file.write(Buffer.from(x.buffer));
  for (let i = 0; i < n; i++) {
    const y = rng.random() < 0.5 ? 0 : 1;
    labelLines.push(`${y},"${GROUP_NAMES[2 * y + (rng.random() < 0.2 ? 1 : 0)]}"`);
  }
}
await file.close();
await writeFile(labelsFile, `${labelLines.join('\n')}\n`);

const server = await startWranglerDev({
  assetsDir: path.join(work, 'bundles'),
  vars: { MODELS: 'mat-cmnist', ACTIVE_MODEL: 'mat-cmnist', BUNDLE_SOURCE: 'assets', API_KEYS: KEY, DEMO_ORIGIN: 'http://localhost:1' },
});
/**
 * A stand-in in front of the worker that refuses some requests the way a busy deployment would: every 25th answered
 * 429 with Retry-After: 1, every 40th connection dropped before it reaches the worker.
 */
async function flakyProxy(target: string): Promise<{ url: string; close: () => void }> {
  let k = 0;
  const proxy = createServer((req, res) => {
    const n = k++;
    if (n % 40 === 39) return void req.socket.destroy();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (n % 25 === 24) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'busy' } }));
      }
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const answer = await fetch(`${target}${req.url}`, { method: req.method, headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' }, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, close: () => proxy.close() };
}

/** `mat-edge score --json` as a child process (the CLI's own reading, batching, retries and merge). */
function score(url: string): Promise<ScoreResult> {
  return new Promise((resolve, reject) => {
    // GNU time, where installed, reports the CLI's peak memory.
    const [cmd, ...pre] = existsSync(TIME) ? [TIME, '-f', 'mat-edge score: max RSS %M KiB', process.execPath] : [process.execPath];
    const child = spawn(cmd, [
      ...pre, 'bin/mat-edge.mjs', 'score', npy, '--url', url, '--evaluate', '--labels', labelsFile,
      '--label-column', 'label', '--group-column', 'group', '--concurrency', CONCURRENCY, '--json',
    ], { env: { ...process.env, MAT_EDGE_KEY: KEY }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ScoreResult) : reject(new Error(`mat-edge score exited ${code}\n${server.logs().slice(-2000)}`))));
  });
}

try {
  const clean = await score(server.url);
  console.log(scoreLine(clean));
  const proxy = await flakyProxy(server.url);
  try {
    const flaky = await score(proxy.url);
    console.log(`${scoreLine(flaky)} (through a stand-in answering 429 Retry-After: 1 to every 25th request, dropping every 40th connection)`);
    const same = isDeepStrictEqual(flaky.evaluation, clean.evaluation);
    console.log(`merged evaluation with retries ${same ? 'identical to' : 'DIFFERENT from'} the one without`);
    console.log(`\n${formatEvaluation(clean.evaluation!)}`);
    if (!same) process.exitCode = 1;
  } finally {
    proxy.close();
  }
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
