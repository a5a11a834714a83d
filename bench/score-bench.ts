/**
 * `mat-edge score` over a large labelled file against `wrangler dev` serving a fixture bundle: rows/s and retries,
 * printed by the CLI itself. ROWS (default 100000) random Colored-MNIST-shaped rows as a float64 .npy with a labels
 * table; CONCURRENCY requests in flight (default 4).
 *   npx tsx bench/score-bench.ts
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
try {
  const code = await new Promise<number | null>((resolve) => {
    // GNU time, where installed, reports the CLI's peak memory: bounded by the batches in flight, not the file size.
    const [cmd, ...pre] = existsSync(TIME) ? [TIME, '-f', 'mat-edge score: max RSS %M KiB', process.execPath] : [process.execPath];
    const child = spawn(cmd, [
      ...pre, 'bin/mat-edge.mjs', 'score', npy, '--url', server.url, '--evaluate', '--labels', labelsFile,
      '--label-column', 'label', '--group-column', 'group', '--concurrency', CONCURRENCY,
    ], { env: { ...process.env, MAT_EDGE_KEY: KEY }, stdio: 'inherit' });
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`mat-edge score exited ${code}\n${server.logs().slice(-2000)}`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
