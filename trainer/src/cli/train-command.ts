import type { Command } from 'commander';
import { BACKEND_NAMES } from '../backend.js';
import { XRM_SELECTIONS } from '../pipeline/xrm-selection.js';
import { describeFeatureChoice, loadDataset, parseDataFlag, type DataFlagOptions, type DataSpec } from '../data/index.js';
import { trainPipeline, type TrainSummary } from '../pipeline/train.js';
import { algorithmList, bundleName, choice, columnList, defaultTag, intOption, workersOption } from './options.js';
import { jsonProgress, terminalProgress } from './progress-bar.js';

/** The selection table and bundle folders of a training run (train, or one seed of a collected sweep). */
export function printResults(s: Pick<TrainSummary, 'xrm' | 'results' | 'bundles'> & { backend: string }): void {
  const pct = (v: number | null) => (v === null ? '  —  ' : (100 * v).toFixed(1).padStart(5));
  console.log(`\nbackend ${s.backend}; XRM flip rate ${s.xrm.flipRate.toFixed(4)} (combination ${s.xrm.combination})${s.xrm.degenerate ? ' DEGENERATE' : ''}`);
  // Test worst-group accuracy over the true groups (where the data has them) and over XRM's inferred groups: two
  // different figures, never printed under one header.
  console.log('algorithm   selection   comb  step  val WGA  test avg  test WGA (true)  test WGA (XRM-inferred)');
  for (const r of s.results) {
    console.log(`${r.algorithm.padEnd(11)} ${r.metric.padEnd(10)} ${String(r.combination).padStart(5)} ${String(r.step).padStart(5)}   ${pct(r.valWorstGroup)}    ${pct(r.testAverage)}     ${pct(r.testWorstGroup)}           ${pct(r.testInferredWorstGroup)}`);
  }
  for (const b of s.bundles) console.log(`bundle ${b.manifest.model.id}: ${b.dir}`);
}

export function printSummary(s: TrainSummary): void {
  printResults(s);
  const ph = s.phases;
  console.log(`wall time ${s.wallSeconds.toFixed(1)} s on ${s.workers} worker${s.workers === 1 ? '' : 's'}: XRM ${ph.xrm.toFixed(1)} s, algorithms ${ph.algorithms.toFixed(1)} s, memorization ${ph.memorization.toFixed(1)} s, bundles ${ph.bundles.toFixed(1)} s`);
}

/** The options that define a training run (train, and sweep, which cuts the same run into jobs). */
export function trainingOptions(command: Command): Command {
  return command
    .option('--data <source>', 'colored-mnist[:variant] | synthetic[:sigma] | csv:FILE | jsonl:FILE | parquet:FILE | npy:FILE (or a FILE ending in .csv, .jsonl, .parquet, .npy)', 'colored-mnist')
    .option('--val <file>', 'validation file of user data, same kind as --data (a table\'s format follows its extension); else carved from --data')
    .option('--test <file>', 'test file of user data (as --val); else carved from --data')
    .option('--labels <file>', 'npy data: the companion table (CSV, JSONL or Parquet, row i annotating row i of the array) holding the label, group, attribute and id columns; the array\'s columns are features f0…f{d−1}')
    .option('--val-labels <file>', 'npy data: the companion table of --val')
    .option('--test-labels <file>', 'npy data: the companion table of --test')
    .option('--label-column <name>', 'label column of user data (default: label)')
    .option('--group-column <name>', 'true group column of user data')
    .option('--attribute-column <name>', 'spurious attribute column (groups = label × attribute)')
    .option('--id-column <name>', 'row id column of user data (never a feature)')
    .option('--shortcut-column <name>', 'the suspected shortcut: a feature column (binary, categorical or numeric: its intervention is applied to the input), a one-hot group COL=<category>, or an annotation that is not a feature (read as the attribute column; its intervention is estimated on validation). docs/method.md §7.3')
    .option('--feature-columns <list>', 'feature columns, comma-separated names, ranges (f0-f391) or globs (emb_*); default: every numeric column without a role, refusing one that alone predicts the label', columnList('--feature-columns'))
    .option('--ignore-columns <list>', 'columns never used as features (same forms)', columnList('--ignore-columns'))
    .option('--limit <n>', 'use only the first n examples of each split (smoke runs; any data)', intOption('--limit', 10))
    .option('--algorithms <list>', 'algorithms to train and compare', algorithmList, ['erm', 'jtt', 'group-dro', 'mat'])
    .option('--bundle <list>', 'algorithms written as bundles; the first is the main one', algorithmList, ['mat', 'erm'])
    .option('--sweep <n>', 'hyper-parameter combinations 0..n−1 per algorithm (docs/method.md §2.6)', intOption('--sweep', 1, 100), 1)
    .option('--xrm-selection <rule>', 'which XRM run of the sweep MAT uses: held-out (most confident flips on validation) | paper (highest training flip rate); docs/method.md §1.6', choice('--xrm-selection', XRM_SELECTIONS), 'held-out')
    .option('--seed <n>', 'training seed', intOption('--seed', 0, 2 ** 31), 0)
    .option('--steps <n>', 'override the step budget', intOption('--steps', 1))
    .option('--backend <name>', BACKEND_NAMES.join(' | '), choice('--backend', BACKEND_NAMES), 'auto')
    .option('--selection <metric>', 'auto | va_wga (validation groups) | va_gi_wga (XRM-inferred groups)', choice('--selection', ['auto', 'va_wga', 'va_gi_wga'] as const), 'auto')
    .option('--memorization-pairs <n>', 'random-half model pairs for measured memorization', intOption('--memorization-pairs', 1, 50), 1)
    .option('--memorization-epochs <n>', 'epochs each memorization model trains on its half (memorization only shows once a model fits its half)', intOption('--memorization-epochs', 1, 100), 12)
    .option('--exemplars <n>', 'training exemplars kept for nearest-neighbour scores', intOption('--exemplars', 1), 1024)
    .option('--publish-samples', "let the public demo show the bundle's test samples and exemplar images (default for the built-in data)")
    .option('--no-publish-samples', 'keep test samples and exemplars off the public demo (default for csv/jsonl data)')
    .option('--name <name>', 'bundle ids are <algorithm>-<name> (default from the data: cmnist, synthetic, the file name)', bundleName)
    .option('--tag <tag>', 'old spelling of --name', bundleName);
}

/** The data spec the training options name. */
export function dataSpecOf(opts: Record<string, unknown> & { data: string; limit?: number }): DataSpec {
  return parseDataFlag(opts.data, {
    labelColumn: opts.labelColumn, groupColumn: opts.groupColumn, attributeColumn: opts.attributeColumn,
    idColumn: opts.idColumn, featureColumns: opts.featureColumns, ignoreColumns: opts.ignoreColumns, shortcutColumn: opts.shortcutColumn,
    val: opts.val, test: opts.test, labels: opts.labels, valLabels: opts.valLabels, testLabels: opts.testLabels,
    ...(opts.limit ? { limit: { train: opts.limit, val: opts.limit, test: opts.limit } } : {}),
  } as DataFlagOptions);
}

export function registerTrain(program: Command): void {
  trainingOptions(workersOption(program
    .command('train'))
    .description('run XRM, the chosen algorithms and baselines; select on validation worst-group accuracy; write model bundles'))
    .option('--out <dir>', 'folder the bundles are written into', 'bundles')
    .option('--replace', 'overwrite a bundle folder that holds a model of other data (refused otherwise)')
    .option('--json', 'print the summary as JSON on stdout; progress as JSON lines on stderr ({"event":"start|progress|finish|log","task","done","total","elapsed_s"})')
    .action(async (opts) => {
      const spec = dataSpecOf(opts);
      // --json: stdout holds only the final summary; progress goes to stderr as JSON lines.
      const progress = opts.json ? jsonProgress() : terminalProgress();
      const data = await loadDataset(spec);
      if (data.featureChoice) progress.log(describeFeatureChoice(data.featureChoice));
      if (data.intervention) progress.log(`shortcut intervention: ${data.intervention.spec.kind} (${data.intervention.why})`);
      const summary = await trainPipeline({
        data,
        algorithms: opts.algorithms,
        bundles: opts.bundle,
        sweep: opts.sweep,
        xrmSelection: opts.xrmSelection,
        seed: opts.seed,
        backend: opts.backend,
        selection: opts.selection,
        out: opts.out,
        tag: opts.name ?? opts.tag ?? defaultTag(data.name),
        replace: opts.replace ?? false,
        memorization: { pairs: opts.memorizationPairs, epochs: opts.memorizationEpochs },
        exemplars: opts.exemplars,
        publishSamples: opts.publishSamples,
        steps: opts.steps,
        workers: opts.workers,
        progress,
      });
      if (opts.json) console.log(JSON.stringify({ ...summary, bundles: summary.bundles.map((b) => ({ id: b.manifest.model.id, dir: b.dir, test: b.manifest.metrics.test })) }, null, 2));
      else printSummary(summary);
    });
}
