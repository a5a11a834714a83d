import type { Command } from 'commander';
import { BACKEND_NAMES } from '../backend.js';
import { InvalidArgumentError } from 'commander';
import { silentProgress } from '../pipeline/progress.js';
import { checksTable, evidenceTable, shortcutTable } from '../validation/format.js';
import { runValidation, VALIDATION_DATASETS, writeValidation, type ValidationDataset } from '../validation/run.js';
import { choice, intOption, workersOption } from './options.js';
import { terminalProgress } from './progress-bar.js';

function datasetList(value: string): ValidationDataset[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(VALIDATION_DATASETS as readonly string[]).includes(n)) throw new InvalidArgumentError(`unknown dataset "${n}" (known: ${VALIDATION_DATASETS.join(', ')})`);
  if (names.length === 0) throw new InvalidArgumentError('give at least one dataset');
  return names as ValidationDataset[];
}

export function registerValidate(program: Command): void {
  workersOption(program
    .command('validate-scores'))
    .description('score validation protocol (docs/validation.md): reliance vs counterfactual truth, conflict vs minority, memorization as if new')
    .option('--datasets <list>', 'colored-mnist, synthetic, planted-csv', datasetList, [...VALIDATION_DATASETS])
    .option('--train-limit <n>', 'Colored MNIST training examples (validation and test stay full)', intOption('--train-limit', 100))
    .option('--seed <n>', 'seed', intOption('--seed', 0, 2 ** 31), 0)
    .option('--sweep <n>', 'hyper-parameter combinations per algorithm', intOption('--sweep', 1, 100), 1)
    .option('--steps <n>', 'override the step budget of XRM/ERM/MAT', intOption('--steps', 1))
    .option('--pairs <n>', 'random-half pairs per algorithm (cross-fitted: each pair scores a share of the examples as if new, the other pairs measure them)', intOption('--pairs', 2, 50), 6)
    .option('--epochs <n>', 'epochs each random-half model trains on its half (enough to fit it: memorization shows only then)', intOption('--epochs', 1, 200), 36)
    .option('--memorization-sample <n>', 'training examples in each of the selection and evaluation subsets', intOption('--memorization-sample', 10), 2000)
    .option('--exemplars <n>', 'exemplars per half model', intOption('--exemplars', 2), 1024)
    .option('--backend <name>', BACKEND_NAMES.join(' | '), choice('--backend', BACKEND_NAMES), 'auto')
    .option('--bundles <dir>', 'also check the ERM and MAT bundles found in this folder (as written by train --out), through ONNX')
    .option('--work-dir <dir>', 'scratch folder (generated CSV)', 'artifacts/validation')
    .option('--out <file>', 'results as JSON (ValidationCheck[] under "checks")', 'artifacts/validation/validation.json')
    .option('--table <file>', 'also validate the shortcut scores on a real CSV table (its training file); with --label-column and --shortcut-column (a binary or numeric input column), optionally --table-val, --table-test, --attribute-column (the annotation the estimated path is fitted on), --id-column')
    .option('--table-val <file>', 'validation file of --table')
    .option('--table-test <file>', 'test file of --table')
    .option('--label-column <name>', 'label column of --table', 'label')
    .option('--shortcut-column <name>', 'shortcut input column of --table')
    .option('--attribute-column <name>', 'attribute annotation of --table (groups, and the estimated path)')
    .option('--id-column <name>', 'row id column of --table')
    .option('--json', 'print the results as JSON on stdout (no progress bars)')
    .action(async (opts) => {
      if (opts.table && !opts.shortcutColumn) throw new InvalidArgumentError('--table needs --shortcut-column');
      const table = opts.table ? {
        train: opts.table, labelColumn: opts.labelColumn, shortcutColumn: opts.shortcutColumn,
        ...(opts.tableVal ? { val: opts.tableVal } : {}), ...(opts.tableTest ? { test: opts.tableTest } : {}),
        ...(opts.attributeColumn ? { attributeColumn: opts.attributeColumn } : {}), ...(opts.idColumn ? { idColumn: opts.idColumn } : {}),
      } : undefined;
      const result = await runValidation({
        datasets: table ? [...opts.datasets, 'table'] : opts.datasets, ...(table ? { table } : {}), trainLimit: opts.trainLimit, seed: opts.seed, sweep: opts.sweep, steps: opts.steps,
        pairs: opts.pairs, epochs: opts.epochs, memorizationSample: opts.memorizationSample, exemplars: opts.exemplars,
        backend: opts.backend, workers: opts.workers, bundles: opts.bundles, workDir: opts.workDir, progress: opts.json ? silentProgress : terminalProgress(),
      });
      writeValidation(opts.out, result);
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`\n${checksTable(result.checks)}`);
      const shortcut = shortcutTable(result.checks);
      if (shortcut) console.log(`\nshortcut scores on test (served change and flip under the declared intervention vs the true one; the estimated path vs the same truth):\n${shortcut}`);
      console.log(`\nestimator evidence (selection = validation / selection subset, evaluation = test / evaluation subset):\n${evidenceTable(result.datasets.flatMap((d) => d.evidence))}`);
      for (const d of result.datasets) {
        console.log(`\nreliability diagrams on ${d.dataset} test (bin: mean predicted → observed accuracy, n):`);
        for (const r of d.reliability) console.log(`  ${r.model.padEnd(24)} ${r.bins.map((b) => `${b.confidence.toFixed(2)}→${b.accuracy.toFixed(2)} (${b.count})`).join('  ')}`);
      }
      console.log('');
      const missed = result.checks.filter((c) => c.pass === false).length;
      console.log(`\n${result.checks.filter((c) => c.pass === true).length} PASS, ${missed} MISS; wrote ${opts.out}; ${result.wallSeconds.toFixed(0)} s`);
    });
}
