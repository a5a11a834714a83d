/**
 * `mat-edge sweep` on the local pool against the same job list run one job after another (`--workers 1`): each in a
 * fresh sweep folder, the CLI as users run it (bin/mat-edge.mjs), rounds interleaved so that load from other processes
 * falls on both alike. Prints the wall time of every run, the medians and their ratio, and writes JSON to
 * artifacts/bench-sweep.json. Not part of CI or npm test.
 * Usage: npx tsx bench/sweep-bench.ts [--workers 2] [--repeats 1] [-- <train options>]
 * (default options: Colored MNIST 600 per split, 40 steps, erm/jtt/mat × 2 combinations, 2 memorization pairs, wasm).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const workers = Number(argValue('workers') ?? 2);
const repeats = Number(argValue('repeats') ?? 1);
const dash = process.argv.indexOf('--');
const options = dash > 0 ? process.argv.slice(dash + 1) : [
  '--limit', '600', '--steps', '40', '--algorithms', 'erm,jtt,mat', '--bundle', 'mat,erm', '--sweep', '2',
  '--memorization-pairs', '2', '--memorization-epochs', '2', '--exemplars', '32', '--backend', 'wasm',
];

interface SweepSummary { wallSeconds: number; stages: { stage: string; jobs: number; ran: number; wallSeconds: number }[] }

function sweep(n: number): SweepSummary {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mat-edge-sweep-bench-'));
  try {
    const out = execFileSync(process.execPath, ['bin/mat-edge.mjs', 'sweep', ...options, '--workers', String(n), '--out', dir, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
    return JSON.parse(out) as SweepSummary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b), m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const runs: Record<'pool' | 'sequential', number[]> = { pool: [], sequential: [] };
let jobs = 0;
for (let r = 0; r < repeats; r++) {
  for (const [kind, n] of [['pool', workers], ['sequential', 1]] as const) {
    const s = sweep(n);
    jobs = s.stages.reduce((a, st) => a + st.jobs, 0);
    runs[kind].push(s.wallSeconds);
    console.log(`round ${r + 1}: ${kind} (${n} worker${n === 1 ? '' : 's'}) ${s.wallSeconds.toFixed(1)} s — ${s.stages.map((st) => `${st.stage} ${st.ran} jobs ${st.wallSeconds.toFixed(1)} s`).join(', ')}`);
  }
}
const pool = median(runs.pool), sequential = median(runs.sequential);
console.log(`${jobs} jobs on ${os.availableParallelism()} cores (load average ${os.loadavg()[0].toFixed(1)} at the end): local pool ${workers} workers ${pool.toFixed(1)} s, sequential ${sequential.toFixed(1)} s, ×${(sequential / pool).toFixed(2)}`);
mkdirSync('artifacts', { recursive: true });
writeFileSync('artifacts/bench-sweep.json', `${JSON.stringify({ options, workers, repeats, jobs, runs, median: { pool, sequential }, speedup: sequential / pool, cores: os.availableParallelism(), loadAverage: os.loadavg() }, null, 2)}\n`);
