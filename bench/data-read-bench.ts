/**
 * User-data read throughput and memory: a generated table of `--rows` embeddings of `--dim` float features, a label
 * and a group (bench/embedding-table.ts), written to os.tmpdir() as CSV, Parquet and .npy with a CSV companion,
 * then read by a fresh process per format — the streaming reader and extraction the trainer uses (`extract`), and
 * the whole `loadDataset` with its seeded split and standardisation (`load`) — printing rows/s and peak RSS.
 * Usage: npx tsx bench/data-read-bench.ts [--rows 100000] [--dim 384] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCsv, writeNpy, writeParquet } from './embedding-table.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** Child process: read one file the way the trainer does and print one JSON line. */
async function readOne(mode: 'extract' | 'load', kind: 'csv' | 'parquet' | 'npy', file: string, labels?: string): Promise<void> {
  const roles = { labelColumn: 'label', groupColumn: 'group' };
  // Modules first, so that the time is the reading alone.
  const [{ loadDataset }, { chooseNpyFeatures, extractNpy }, { openTable }, { chooseFeatures }, { extractTable }] = await Promise.all([
    import('../trainer/src/data/index.js'), import('../trainer/src/data/npy-table.js'), import('../trainer/src/data/raw-table.js'),
    import('../trainer/src/data/columns.js'), import('../trainer/src/data/extract.js'),
  ]);
  const t0 = performance.now();
  let n: number, d: number;
  if (mode === 'load') {
    const ds = await loadDataset({ kind, train: file, ...(labels ? { labels } : {}), ...roles });
    n = ds.train.n + ds.val.n + ds.test.n;
    d = ds.train.d;
  } else if (kind === 'npy') {
    const t = await extractNpy(file, labels!, roles, (await chooseNpyFeatures(file, roles)).features);
    [n, d] = [t.n, t.featureNames.length];
  } else {
    const stream = await openTable(file, kind);
    const t = await extractTable(stream, roles, chooseFeatures(stream, roles).features);
    [n, d] = [t.n, t.featureNames.length];
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ mode, kind, n, d, seconds, rowsPerSecond: n / seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  if (process.argv[2] === 'read') {
    await readOne(process.argv[3] as 'extract' | 'load', process.argv[4] as 'csv' | 'parquet' | 'npy', process.argv[5], process.argv[6]);
    return;
  }
  const n = arg('rows', 100_000), dim = arg('dim', 384);
  const dir = mkdtempSync(join(tmpdir(), 'mat-edge-read-bench-'));
  const files = { csv: join(dir, 'emb.csv'), parquet: join(dir, 'emb.parquet'), npy: join(dir, 'emb.npy'), labels: join(dir, 'labels.csv') };
  try {
    let t = performance.now();
    await writeCsv(files.csv, { n, dim });
    await writeCsv(files.labels, { n, dim }, false);
    await writeNpy(files.npy, { n, dim });
    await writeParquet(files.parquet, { n, dim });
    const mb = (f: string) => (statSync(f).size / 2 ** 20).toFixed(0);
    console.log(`${n} rows × ${dim} features written in ${((performance.now() - t) / 1000).toFixed(0)} s: CSV ${mb(files.csv)} MB, Parquet ${mb(files.parquet)} MB, npy ${mb(files.npy)} MB (+ labels CSV ${mb(files.labels)} MB)`);
    console.log(`values held as float64: ${((n * dim * 8) / 2 ** 20).toFixed(0)} MB`);
    const self = fileURLToPath(import.meta.url);
    const baseline = execFileSync(process.execPath, ['--import', 'tsx', '-e', 'console.log(process.resourceUsage().maxRSS / 1024)']).toString().trim();
    console.log(`node + tsx, nothing read: peak RSS ${Number(baseline).toFixed(0)} MB`);
    for (const mode of ['extract', 'load'] as const) {
      for (const kind of ['csv', 'parquet', 'npy'] as const) {
        t = performance.now();
        const out = execFileSync(process.execPath, ['--import', 'tsx', self, 'read', mode, kind, files[kind], ...(kind === 'npy' ? [files.labels] : [])], { maxBuffer: 1 << 20 });
        const r = JSON.parse(out.toString().trim().split('\n').at(-1)!);
        console.log(`${mode.padEnd(7)} ${kind.padEnd(7)} ${r.n} × ${r.d}: ${r.seconds.toFixed(1)} s, ${Math.round(r.rowsPerSecond)} rows/s, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
      }
    }
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else writeFileSync(join(dir, 'KEEP'), '');
  }
}

await main();
