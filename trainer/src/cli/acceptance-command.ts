import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { activeBackend, BACKEND_NAMES, type BackendName } from '../backend.js';
import { runAcceptance, type SeedResult } from '../experiments/acceptance.js';
import { ACCEPTANCE_DATASETS, PLANTED_NOTE, type AcceptanceDataset } from '../experiments/datasets.js';
import { acceptanceChecks, resultsMarkdown } from '../experiments/results-table.js';
import { runSweepSizes, type SweepSizeRow, type SweepSizesResult, type XrmDiagnosis } from '../experiments/sweep-sizes.js';
import { sweepChecks, sweepMarkdown } from '../experiments/sweep-table.js';
import { silentProgress } from '../pipeline/progress.js';
import { algorithmList, choice, intOption, workersOption } from './options.js';
import { terminalProgress } from './progress-bar.js';

const RESULTS = ['<!-- results:start -->', '<!-- results:end -->'] as const;
const SWEEPS = ['<!-- sweeps:start -->', '<!-- sweeps:end -->'] as const;

/** Replaces the generated block between a pair of the README's markers. */
async function writeReadmeBlock([start, end]: readonly [string, string], markdown: string, note: string): Promise<void> {
  const readme = await readFile('README.md', 'utf8');
  const [a, b] = [readme.indexOf(start), readme.indexOf(end)];
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} … ${end} block`);
  await writeFile('README.md', `${readme.slice(0, a + start.length)}\n${note}\n\n${markdown}\n${readme.slice(b)}`);
}

/** `--sweeps 1,3,10`: distinct sweep sizes in [1, 100], ascending. */
export function sweepSizes(value: string): number[] {
  const sizes = value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => intOption('--sweeps', 1, 100)(s));
  if (sizes.length < 2) throw new InvalidArgumentError(`--sweeps needs at least two sizes to compare, got "${value}"`);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** A saved `--sweeps … --out` file. */
export interface SweepFile {
  kind: 'sweeps';
  rows: SweepSizeRow[];
  diagnoses: XrmDiagnosis[];
  sweeps: number[];
  seeds: number;
  limit: number | null;
  backend: string;
  wallSeconds: number;
  /** Written after a seed while the run went on: not every requested seed is in. */
  partial?: boolean;
}

/** Several saved sweep files (e.g. one per dataset) as one: rows and diagnoses concatenated, wall times summed. */
export function mergeSweepFiles(files: SweepFile[]): SweepFile {
  if (!files.length) throw new Error('no sweep file to merge');
  for (const f of files) if (f.kind !== 'sweeps') throw new Error('--from with --sweeps needs files written by acceptance --sweeps … --out');
  return {
    ...files[0],
    partial: files.some((f) => f.partial) || undefined,
    rows: files.flatMap((f) => f.rows),
    diagnoses: files.flatMap((f) => f.diagnoses),
    sweeps: [...new Set(files.flatMap((f) => f.sweeps))].sort((a, b) => a - b),
    wallSeconds: files.reduce((s, f) => s + f.wallSeconds, 0),
  };
}

export function registerAcceptance(program: Command): void {
  workersOption(program
    .command('acceptance'))
    .description("the trainer's acceptance numbers: synthetic task and Colored MNIST, every algorithm, both selection settings, mean ± std over seeds; with --sweeps, MAT's test WGA per sweep size under both XRM selection rules")
    .option('--datasets <list>', ACCEPTANCE_DATASETS.join(','), (v: string) => v.split(',').map((d) => choice('--datasets', ACCEPTANCE_DATASETS)(d.trim())))
    .option('--algorithms <list>', 'algorithms compared', algorithmList, ['erm', 'jtt', 'group-dro', 'mat'])
    .option('--seeds <n>', 'training seeds 0..n−1', intOption('--seeds', 1, 20), 3)
    .option('--sweep <n>', 'hyper-parameter combinations per algorithm', intOption('--sweep', 1, 100), 1)
    .option('--sweeps <list>', 'compare sweep sizes (e.g. 1,3,10): MAT on the XRM run each rule (paper, held-out) picks', sweepSizes)
    .option('--limit <n>', 'at most n training examples (Colored MNIST, planted CSV)', intOption('--limit', 1))
    .option('--work-dir <dir>', 'where the planted CSV is written', '.scratch/acceptance')
    .option('--backend <name>', BACKEND_NAMES.join(' | '), choice('--backend', BACKEND_NAMES), 'auto')
    .option('--out <file>', 'write every per-seed row as JSON')
    .option('--from <files>', 'skip training: tabulate the rows of earlier --out files (comma-separated)')
    .option('--write-readme', 'replace the generated results table in README.md')
    .option('--json', 'print rows and checks as JSON')
    .action(async (opts) => {
      if (opts.sweeps) return sweepsAction(opts);
      const t0 = performance.now();
      const saved = opts.from ? (JSON.parse(await readFile(opts.from, 'utf8')) as { rows: SeedResult[]; wallSeconds: number; seeds?: number; sweep?: number; backend?: string }) : null;
      const rows = saved?.rows ?? await runAcceptance({
        datasets: opts.datasets ?? ['synthetic', 'colored-mnist'], algorithms: opts.algorithms, seeds: Array.from({ length: opts.seeds }, (_, s) => s),
        sweep: opts.sweep, backend: opts.backend, limit: opts.limit, workDir: opts.workDir, workers: opts.workers, progress: opts.json ? silentProgress : terminalProgress(),
      });
      const checks = acceptanceChecks(rows);
      const wall = saved?.wallSeconds ?? (performance.now() - t0) / 1000;
      // Rows saved before the backend was recorded were all trained on wasm.
      const backend = saved ? saved.backend ?? 'wasm' : activeBackend() ?? 'wasm';
      const seeds = new Set(rows.map((r) => r.seed)).size;
      if (opts.out && !saved) await writeFile(opts.out, JSON.stringify({ rows, checks, wallSeconds: wall, sweep: opts.sweep, backend }, null, 2));
      const table = resultsMarkdown(rows);
      if (opts.writeReadme) {
        const sweep = saved?.sweep ?? opts.sweep;
        await writeReadmeBlock(RESULTS, table, [
          `Rows in \`${opts.from ?? opts.out ?? '(not saved)'}\`, made by \`npm run mat-edge -- acceptance --seeds ${seeds} --sweep ${sweep} --out docs/acceptance.json --write-readme\` (${new Date().toISOString().slice(0, 10)}; ${wall.toFixed(0)} s of training on 2 CPU cores, ${backend} backend).`,
          'Test average and worst-group accuracy (%), mean ± std over seeds; "val groups" selects checkpoints and combinations on validation worst-group accuracy with the true groups, "XRM-inferred" with the groups XRM inferred (no annotation anywhere).',
          '',
          checks.map((c) => `- ${c.pass ? 'PASS' : 'MISS'} ${c.check}: ${c.value.toFixed(3)} (target ${c.target})`).join('\n'),
        ].join('\n'));
      }
      if (opts.json) {
        console.log(JSON.stringify({ rows, checks, wallSeconds: wall }, null, 2));
      } else {
        console.log(`\n${table}\n`);
        for (const c of checks) console.log(`${c.pass ? 'PASS' : 'MISS'}  ${c.check}: ${c.value.toFixed(3)} (target ${c.target})`);
        console.log(`wall time ${wall.toFixed(1)} s`);
      }
    });
}

interface SweepsFlags {
  sweeps: number[];
  datasets?: AcceptanceDataset[];
  seeds: number;
  limit?: number;
  workDir: string;
  backend: BackendName;
  workers?: number;
  out?: string;
  from?: string;
  writeReadme?: boolean;
  json?: boolean;
}

async function sweepsAction(opts: SweepsFlags): Promise<void> {
  const t0 = performance.now();
  const files = opts.from ? opts.from.split(',').map((f) => f.trim()).filter(Boolean) : [];
  const saved = files.length ? mergeSweepFiles(await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as SweepFile))) : null;
  const file = (r: SweepSizesResult, complete: boolean): SweepFile => ({
    kind: 'sweeps', ...r, sweeps: opts.sweeps, seeds: new Set(r.rows.map((row) => row.seed)).size, limit: opts.limit ?? null,
    backend: activeBackend() ?? 'wasm', wallSeconds: (performance.now() - t0) / 1000, ...(complete ? {} : { partial: true }),
  });
  const run = saved ?? file(await runSweepSizes({
    datasets: opts.datasets ?? [...ACCEPTANCE_DATASETS], seeds: Array.from({ length: opts.seeds }, (_, s) => s), sweeps: opts.sweeps,
    backend: opts.backend, limit: opts.limit, workDir: opts.workDir, workers: opts.workers, progress: opts.json ? silentProgress : terminalProgress(),
    // Each finished seed is saved at once (marked partial), so a run cut short keeps its whole seeds.
    onSeed: async (partial) => { if (opts.out) await writeFile(opts.out, `${JSON.stringify(file(partial, false), null, 2)}\n`); },
  }), true);
  // With --from, --out writes the merged rows (e.g. one file per dataset into docs/).
  if (opts.out) await writeFile(opts.out, `${JSON.stringify(run, null, 2)}\n`);
  // Saved rows of other sizes (a file with 1,3,10 tabulated as --sweeps 1,10) are left out.
  const rows = run.rows.filter((r) => opts.sweeps.includes(r.sweep));
  const missing = opts.sweeps.filter((n) => !rows.some((r) => r.sweep === n));
  if (missing.length) throw new Error(`no rows for sweep size ${missing.join(', ')} (the rows have ${run.sweeps.join(', ')})`);
  const table = sweepMarkdown(rows);
  const checks = sweepChecks(rows);
  if (opts.writeReadme) {
    await writeReadmeBlock(SWEEPS, table, [
      `Rows and per-combination XRM diagnoses in \`${opts.out ?? (files.join('`, `') || '(not saved)')}\`, made by \`npm run mat-edge -- acceptance --sweeps ${opts.sweeps.join(',')} --seeds ${run.seeds}${run.limit ? ` --limit ${run.limit}` : ''} --backend ${run.backend.split(' ')[0]}`
        + `${files.length > 1 ? ' --datasets D --out …\` per dataset, merged with \`--from …,… --out\`' : ' --out …\`'}`
        + ` (${new Date().toISOString().slice(0, 10)}; ${run.wallSeconds.toFixed(0)} s of training${files.length > 1 ? ' summed over the runs' : ''} on 2 CPU cores shared with other jobs, ${run.backend} backend${run.partial ? '; PARTIAL: not every requested seed finished' : ''}).`,
      'MAT test worst-group accuracy (%), mean ± std over seeds, when XRM and MAT both search combinations 0 … N − 1; "paper" keeps the XRM run with the highest training flip rate, "held-out" (the default) the one whose final twins confidently contradict the most validation labels (docs/method.md §1.6).',
      `Data: ${PLANTED_NOTE}; the synthetic task (σ = 0.5); Colored MNIST${run.limit ? ` (first ${run.limit} training examples)` : ''}. The check: mean WGA at sweep ${Math.max(...opts.sweeps)} ≥ mean at sweep ${Math.min(...opts.sweeps)} minus one std (the larger of the two sizes' stds over seeds).`,
    ].join('\n'));
  }
  if (opts.json) {
    console.log(JSON.stringify({ rows, checks, diagnoses: run.diagnoses, wallSeconds: run.wallSeconds }, null, 2));
  } else {
    console.log(`\n${table}\n`);
    console.log(`wall time ${run.wallSeconds.toFixed(1)} s`);
  }
}
