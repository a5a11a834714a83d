/**
 * `mat-edge evaluate BUNDLE --test FILE --out rows.jsonl` end to end, against issue 8's acceptance: on a 100,000-row
 * table of 384-dim embeddings, ≥ 10,000 rows/s with every score, peak RSS under 2 GB. Generates once, in a cache
 * folder (.scratch/evaluate-bench/ROWSxDIM), a MAT bundle trained on a small table of the same kind (seconds) and the
 * test table as CSV, Parquet and .npy + CSV companion (bench/embedding-table.ts); then runs the CLI as a fresh child
 * process per format and repeat, timing it from spawn to exit (node start, bundle load, read, inference, scores and
 * the rows file) and reading the child's own peak RSS. Prints medians and PASS/MISS, and writes JSON.
 * Usage: npm run bench:evaluate [-- --rows 100000 --dim 384 --repeats 3 --formats csv,parquet,npy --out FILE --bin OTHER/bin/mat-edge.mjs]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { quantiles } from '#shared';
import { writeCsv, writeNpy, writeParquet } from './embedding-table.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '384' },
    repeats: { type: 'string', default: '3' },
    formats: { type: 'string', default: 'csv,parquet,npy' },
    out: { type: 'string', default: 'artifacts/bench-evaluate.json' },
    /** The mat-edge entry that evaluates, e.g. a baseline checkout's bin/mat-edge.mjs (the bundles are trained by this one). */
    bin: { type: 'string', default: 'bin/mat-edge.mjs' },
    /** Extra node flags for the evaluate child, e.g. "--cpu-prof --cpu-prof-dir=.scratch/prof". */
    'node-flags': { type: 'string', default: '' },
  },
});
const N = Number(args.rows), DIM = Number(args.dim), REPEATS = Math.max(1, Number(args.repeats));
const FORMATS = args.formats!.split(',') as Format[];
type Format = 'csv' | 'parquet' | 'npy';
const TARGET = { rowsPerSecond: 10_000, peakRssMB: 2048 };
const TRAIN_ROWS = 3000;
const median = (xs: number[]) => quantiles(xs, [0.5])[0];
const BIN = path.resolve('bin/mat-edge.mjs'), EVALUATE_BIN = path.resolve(args.bin!);

const cache = path.resolve('.scratch/evaluate-bench', `${N}x${DIM}`);
const files = {
  train: path.join(cache, 'train.csv'),
  trainParquet: path.join(cache, 'train.parquet'),
  csv: path.join(cache, 'test.csv'),
  parquet: path.join(cache, 'test.parquet'),
  npy: path.join(cache, 'test.npy'),
  labels: path.join(cache, 'test-labels.csv'),
};
/** The bundle each format is scored with: Parquet's list column names its features emb[0]…, CSV and .npy f0…. */
const bundleOf = (format: Format) => path.join(cache, 'bundles', format === 'parquet' ? 'mat-evaluate-bench-parquet' : 'mat-evaluate-bench');

/** Runs a mat-edge verb in a child process; returns its wall time and peak RSS (written by the child as it exits). */
function mateEdge(argv: string[], nodeFlags: string[] = [], bin = BIN): { seconds: number; cpuSeconds: number; mainCpuSeconds: number | null; peakRssMB: number; stdout: string } {
  const rssFile = path.join(cache, `rss-${process.pid}.json`);
  // The child reports its own peak RSS and CPU time (every thread, user + system): process.resourceUsage() in an exit
  // hook, so nothing outside Node is needed. CPU time is the steadier figure on a shared machine.
  // Linux also gives the main thread's own CPU time (/proc/self/task/PID/stat, utime + stime in 1/100 s ticks): the
  // rest is the pipeline's reader thread (and Node's helpers), so the busier thread bounds the wall time on 2 idle cores.
  const hook = `data:text/javascript,import{writeFileSync,readFileSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();let main=null;try{const f=readFileSync('/proc/self/task/'+process.pid+'/stat','utf8').split(') ')[1].split(' ');main=(Number(f[11])+Number(f[12]))/100}catch{}writeFileSync(${JSON.stringify(rssFile)},JSON.stringify({...u,main}))})`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', hook, bin, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`mat-edge ${argv.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as NodeJS.ResourceUsage & { main: number | null };
  rmSync(rssFile);
  return { seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, mainCpuSeconds: usage.main, peakRssMB: usage.maxRSS / 1024, stdout: r.stdout };
}

async function prepare(): Promise<void> {
  const ready = path.join(cache, 'READY'), tables = path.join(cache, 'TABLES');
  if (existsSync(ready)) return;
  const t = performance.now();
  if (!existsSync(tables)) {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    await writeCsv(files.train, { n: TRAIN_ROWS, dim: DIM, seed: 1 });
    await writeParquet(files.trainParquet, { n: TRAIN_ROWS, dim: DIM, seed: 1 });
    const test = { n: N, dim: DIM, seed: 2 };
    await writeCsv(files.csv, test);
    await writeCsv(files.labels, test, false);
    await writeNpy(files.npy, test);
    await writeParquet(files.parquet, test);
    writeFileSync(tables, '');
  }
  // A MAT bundle (XRM twins, exemplars, calibration: every score) from a short run; the scores' cost does not depend
  // on how well it trained.
  for (const [data, name] of [[`csv:${files.train}`, 'evaluate-bench'], [`parquet:${files.trainParquet}`, 'evaluate-bench-parquet']]) {
    mateEdge([
      'train', '--data', data, '--group-column', 'group', '--algorithms', 'mat', '--bundle', 'mat', '--name', name,
      '--out', path.join(cache, 'bundles'), '--steps', '100', '--memorization-epochs', '1', '--workers', '1',
    ]);
  }
  writeFileSync(ready, '');
  console.log(`generated in ${((performance.now() - t) / 1000).toFixed(0)} s: ${cache}`);
}

interface Run { seconds: number; rowsPerSecond: number; cpuSeconds: number; mainCpuSeconds: number | null; peakRssMB: number }

function evaluateOnce(format: Format, nodeFlags: string[]): Run {
  const rowsFile = path.join(cache, `rows-${format}-${process.pid}.jsonl`); // runs may share the cache
  const test = format === 'npy' ? ['--test', files.npy, '--test-labels', files.labels] : ['--test', files[format]];
  const r = mateEdge(['evaluate', bundleOf(format), ...test, '--out', rowsFile, '--json'], nodeFlags, EVALUATE_BIN);
  const result = JSON.parse(r.stdout) as { n: number };
  // Every row written, each with its scores: a run that skipped work would not pass this.
  const text = readFileSync(rowsFile, 'utf8');
  const lines = text.length === 0 ? 0 : text.trimEnd().split('\n').length;
  if (result.n !== N || lines !== N) throw new Error(`${format}: evaluated ${result.n} rows, wrote ${lines}; expected ${N}`);
  const first = JSON.parse(text.slice(0, text.indexOf('\n')));
  for (const k of ['memorization', 'twin_disagreement', 'reliance']) if (typeof first[k] !== 'number') throw new Error(`${format}: rows lack ${k}`);
  rmSync(rowsFile);
  return { seconds: r.seconds, rowsPerSecond: N / r.seconds, cpuSeconds: r.cpuSeconds, mainCpuSeconds: r.mainCpuSeconds, peakRssMB: r.peakRssMB };
}

await prepare();
const mb = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(0)} MB`;
console.log(`evaluate --out rows.jsonl: ${N} rows × ${DIM} features (CSV ${mb(files.csv)}, Parquet ${mb(files.parquet)}, npy ${mb(files.npy)}); ${cpus().length} cores; ${REPEATS} repeat(s), medians`);
console.log(`targets: ≥ ${TARGET.rowsPerSecond} rows/s, peak RSS < ${TARGET.peakRssMB} MB`);
const nodeFlags = args['node-flags']!.split(' ').filter(Boolean);
const results: Record<string, { runs: Run[]; rowsPerSecond: number; peakRssMB: number; pass: boolean }> = {};
for (const format of FORMATS) {
  const runs = Array.from({ length: REPEATS }, () => evaluateOnce(format, nodeFlags));
  const rowsPerSecond = median(runs.map((r) => r.rowsPerSecond)), peakRssMB = median(runs.map((r) => r.peakRssMB));
  const pass = rowsPerSecond >= TARGET.rowsPerSecond && peakRssMB < TARGET.peakRssMB;
  results[format] = { runs, rowsPerSecond, peakRssMB, pass };
  const cpu = median(runs.map((r) => r.cpuSeconds)), mains = runs.flatMap((r) => (r.mainCpuSeconds === null ? [] : [r.mainCpuSeconds]));
  const main = mains.length ? median(mains) : null;
  // On a shared machine the wall time says little; the busier thread's CPU time is what 2 idle cores would take.
  const split = main === null ? '' : `, main thread ${main.toFixed(1)} s + other threads ${(cpu - main).toFixed(1)} s: ≤ ${Math.round(N / Math.max(main, cpu - main, cpu / 2))} rows/s on 2 idle cores`;
  console.log(`${format.padEnd(8)} ${median(runs.map((r) => r.seconds)).toFixed(1).padStart(6)} s  ${Math.round(rowsPerSecond).toString().padStart(7)} rows/s  peak RSS ${peakRssMB.toFixed(0).padStart(5)} MB  ${pass ? 'PASS' : 'MISS'}   (CPU ${cpu.toFixed(1)} s${split}; ${Math.round(N / cpu)} rows per CPU-second; load average ${loadavg()[0].toFixed(1)})`);
}
mkdirSync(path.dirname(path.resolve(args.out!)), { recursive: true });
writeFileSync(args.out!, `${JSON.stringify({ bin: args.bin, rows: N, dim: DIM, cores: cpus().length, loadAverage: loadavg(), repeats: REPEATS, target: TARGET, results }, null, 2)}\n`);
console.log(`wrote ${args.out}`);
