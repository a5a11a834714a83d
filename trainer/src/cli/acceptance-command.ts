import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { activeBackend, BACKEND_NAMES } from '../backend.js';
import { runAcceptance, type SeedResult } from '../experiments/acceptance.js';
import { acceptanceChecks, resultsMarkdown } from '../experiments/results-table.js';
import { silentProgress } from '../pipeline/progress.js';
import { algorithmList, choice, intOption, workersOption } from './options.js';
import { terminalProgress } from './progress-bar.js';

const START = '<!-- results:start -->', END = '<!-- results:end -->';

/** Replaces the generated block between the README's result markers. */
async function writeReadmeTable(markdown: string, note: string): Promise<void> {
  const readme = await readFile('README.md', 'utf8');
  const [a, b] = [readme.indexOf(START), readme.indexOf(END)];
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} block`);
  await writeFile('README.md', `${readme.slice(0, a + START.length)}\n${note}\n\n${markdown}\n${readme.slice(b)}`);
}

export function registerAcceptance(program: Command): void {
  workersOption(program
    .command('acceptance'))
    .description("the trainer's acceptance numbers: synthetic task and Colored MNIST, every algorithm, both selection settings, mean ± std over seeds")
    .option('--datasets <list>', 'synthetic,colored-mnist', (v: string) => v.split(',').map((d) => choice('--datasets', ['synthetic', 'colored-mnist'] as const)(d.trim())), ['synthetic', 'colored-mnist'])
    .option('--algorithms <list>', 'algorithms compared', algorithmList, ['erm', 'jtt', 'group-dro', 'mat'])
    .option('--seeds <n>', 'training seeds 0..n−1', intOption('--seeds', 1, 20), 3)
    .option('--sweep <n>', 'hyper-parameter combinations per algorithm', intOption('--sweep', 1, 100), 1)
    .option('--backend <name>', BACKEND_NAMES.join(' | '), choice('--backend', BACKEND_NAMES), 'auto')
    .option('--out <file>', 'write every per-seed row as JSON')
    .option('--from <file>', 'skip training: tabulate the rows of an earlier --out file')
    .option('--write-readme', 'replace the generated results table in README.md')
    .option('--json', 'print rows and checks as JSON')
    .action(async (opts) => {
      const t0 = performance.now();
      const saved = opts.from ? (JSON.parse(await readFile(opts.from, 'utf8')) as { rows: SeedResult[]; wallSeconds: number; seeds?: number; sweep?: number; backend?: string }) : null;
      const rows = saved?.rows ?? await runAcceptance({
        datasets: opts.datasets, algorithms: opts.algorithms, seeds: Array.from({ length: opts.seeds }, (_, s) => s),
        sweep: opts.sweep, backend: opts.backend, workers: opts.workers, progress: opts.json ? silentProgress : terminalProgress(),
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
        await writeReadmeTable(table, [
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
