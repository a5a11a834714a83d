import type { Command } from 'commander';
import { formatMeanStd } from '../experiments/stats.js';
import { collectSweep, type CollectSummary } from '../pipeline/jobs-collect.js';
import { jsonProgress, terminalProgress } from './progress-bar.js';
import { printResults } from './train-command.js';

/** Across seeds: mean ± std of each algorithm's test figures under the sweep's selection metric. */
function printAcrossSeeds(s: CollectSummary): void {
  if (s.seeds.length < 2) return;
  const rows = s.seeds.flatMap((seed) => seed.results.filter((r) => r.metric === seed.selection));
  console.log(`\nover ${s.seeds.length} seeds (${s.seeds[0].selection}): test average and test worst-group accuracy (true groups), mean ± std`);
  for (const name of [...new Set(rows.map((r) => r.algorithm))]) {
    const mine = rows.filter((r) => r.algorithm === name);
    const fmt = (v: number[]) => (v.length ? formatMeanStd(v) : '—');
    console.log(`${name.padEnd(11)} ${fmt(mine.map((r) => r.testAverage))}   ${fmt(mine.flatMap((r) => (r.testWorstGroup === null ? [] : [r.testWorstGroup])))}`);
  }
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description("after a sweep: read its result files, select as train does, measure memorization from the half-models' results, write the bundles")
    .argument('<dir>', 'sweep folder written by mat-edge sweep')
    .option('--out <dir>', 'folder the bundles are written into (a sweep of several seeds: one seed-<s> folder each)', 'bundles')
    .option('--replace', 'overwrite a bundle folder that holds a model of other data (refused otherwise)')
    .option('--json', 'print the summary as JSON on stdout; progress as JSON lines on stderr')
    .action(async (dir: string, opts) => {
      const progress = opts.json ? jsonProgress() : terminalProgress();
      const summary = await collectSweep({ dir, out: opts.out, replace: opts.replace ?? false, progress });
      if (opts.json) {
        console.log(JSON.stringify({ ...summary, seeds: summary.seeds.map((s) => ({ ...s, bundles: s.bundles.map((b) => ({ id: b.manifest.model.id, dir: b.dir, test: b.manifest.metrics.test })) })) }, null, 2));
        return;
      }
      for (const s of summary.seeds) {
        console.log(`\nseed ${s.seed}`);
        printResults({ ...s, backend: summary.backend });
      }
      printAcrossSeeds(summary);
      console.log(`collect: ${summary.wallSeconds.toFixed(1)} s`);
    });
}
