import type { Command } from 'commander';
import {
  addEvaluated, bundleTables, counterfactualIndex, crossMistake, emptyEvaluation, flagReasons, prepareIntervention, scoreRow, summarizeEvaluation,
  Thresholds, type EvaluationSummary, type GroupedAccuracy, type Manifest,
} from '#shared';
import { openVerifiedSession, readBundle } from '../bundle/read.js';
import { bundleHasGroups, readBundleTable } from '../data/bundle-table.js';
import { isTableFlag, loadDataset, parseDataFlag, type Split } from '../data/index.js';
import { inferBatch, prepareBatch, type InferredBatch } from './evaluation-batches.js';
import { threadBatches } from './evaluation-pipeline.js';
import { evaluationRow, RowWriter } from './evaluation-rows.js';
import { choice, intOption } from './options.js';

export interface EvaluateOptions {
  /** `--data` source; default: the manifest's dataset name. */
  data?: string;
  split?: 'val' | 'test';
  /** Only the first n examples of the split. */
  limit?: number;
  labelColumn?: string;
  groupColumn?: string;
  attributeColumn?: string;
  val?: string;
  test?: string;
  /** npy data: the companion tables (labels, groups, attributes) of the train, val and test arrays. */
  labels?: string;
  valLabels?: string;
  testLabels?: string;
  /** Rows per onnxruntime `session.run`. */
  batchSize?: number;
  /** Write every input's answer and scores here (.jsonl or .csv). */
  out?: string;
  /**
   * false: read the whole test file, then run and score it in this thread (`--no-pipeline`). Default: a test file
   * alone streams batch by batch, read and preprocessed in a worker thread while this thread runs the graph on the
   * batch before and scores it (two cores).
   */
  pipeline?: boolean;
}

/** What `mat-edge evaluate` reports: the figures of POST /v1/evaluate (shared `summarizeEvaluation`), and more. */
export interface EvaluateResult extends Omit<EvaluationSummary, 'scores'> {
  model: { id: string; version: string; algorithm: string };
  data: string;
  /** `file`: a test file read alone with the bundle's recorded columns (`--test FILE` without `--data`). */
  split: 'val' | 'test' | 'file';
  scores: EvaluationSummary['scores'] & {
    /** Inputs found in the membership index (their memorization is the measured score). */
    members: number;
  };
  /** The manifest's own metrics for this split (computed by the trainer with tfjs), for comparison. */
  manifest_metrics: { n: number; true_groups: GroupedAccuracy | null; inferred_groups: GroupedAccuracy | null };
}

const BATCH = 2048;

function firstRows(split: Split, n: number): Split {
  const m = Math.min(n, split.n), d = split.d;
  const meta = Object.fromEntries(Object.entries(split.meta).map(([k, v]) => [k, v.subarray(0, m)]));
  return {
    n: m, d, x: split.x.subarray(0, m * d), y: split.y.subarray(0, m), group: split.group?.subarray(0, m) ?? null, meta,
    ...(split.raw ? { raw: split.raw.subarray(0, m * d) } : {}),
  };
}

/**
 * Runs a bundle's model.onnx (onnxruntime-web, as the worker does) over a labelled split and scores every input with
 * the shared `scoreRow`: accuracy, worst-group accuracy (true groups when the data has them, XRM-inferred otherwise),
 * per group, and the distributions of the per-input scores.
 * @example const r = await evaluateBundle('bundles/mat-cmnist', { split: 'test', limit: 1000 }); r.worst_group_accuracy
 */
export async function evaluateBundle(dir: string, o: EvaluateOptions = {}): Promise<EvaluateResult> {
  const bundle = await readBundle(dir, { graph: false }); // the graph is checked once the data fits it (openVerifiedSession)
  const { manifest } = bundle;
  const batchSize = o.batchSize ?? BATCH;
  const K = manifest.classNames.length;
  // A test file alone streams through the pipeline: read in a worker thread while this one runs the graph and scores.
  const piped = o.pipeline !== false && o.test !== undefined && o.data === undefined && manifest.dataset.columns !== undefined;
  const source = piped ? pipelinedSource(bundle, o, batchSize) : await inProcessSource(bundle, o, batchSize);
  const { dataName, splitName, groupNames } = source;
  const tables = bundleTables(manifest, bundle.memorization.exemplars);
  const stats = emptyEvaluation(K, source.hasGroups ? groupNames.length : null, tables.probe !== null || tables.intervention !== null);
  const V = tables.intervention?.alternatives ?? 0, D = manifest.input.dim;
  const rowsOut = o.out ? RowWriter.open(o.out) : null;
  const thresholds = Thresholds.parse({});
  let failed = true;
  try {
    for await (const b of source.batches) {
      const { rows, out } = b;
      // The batch's membership lookups (the worker's MembershipIndex: prefilter key, then sha256 of the few that pass).
      const memberScore = bundle.membership.size
        ? await bundle.membership.lookup(Array.from({ length: rows }, (_, j) => b.raw.subarray(j * D, (j + 1) * D)))
        : null;
      const total = rows * (1 + V);
      const E = out.embedding.length / total, C = out.exemplarDot ? out.exemplarDot.length / out.factualRows : 0;
      const logitsRow = (r: number) => out.logits.subarray(r * K, (r + 1) * K);
      for (let j = 0; j < rows; j++) {
        const i = b.start + j, y = b.y[j];
        // The nearest-exemplar similarities from the graph where it has them, as the worker scores a request. No
        // closure per row: tsx names each one it creates, which costs more than the subarray.
        const row = {
          logits: out.logits.subarray(j * K, (j + 1) * K), embedding: out.embedding.subarray(j * E, (j + 1) * E),
          twinA: out.twinA.subarray(j * K, (j + 1) * K), twinB: out.twinB.subarray(j * K, (j + 1) * K),
          ...(out.exemplarDot ? { exemplarDot: out.exemplarDot.subarray(j * C, (j + 1) * C) } : {}),
          ...(V ? { counterfactualLogits: Array.from({ length: V }, (_, a) => logitsRow(counterfactualIndex(rows, V, j, a))) } : {}),
        };
        const p = scoreRow(row, manifest, tables, { memberScore: memberScore?.[j] ?? null, label: y, explain: false });
        const evaluated = { prediction: p, label: y, crossMistake: crossMistake(row.twinA, row.twinB, y), ...(b.group ? { group: b.group[j] } : {}) };
        addEvaluated(stats, evaluated);
        if (rowsOut) {
          await rowsOut.write(evaluationRow({
            id: b.ids?.[j] ?? String(b.lines?.[j] ?? i), label: y, group: b.group ? groupNames[b.group[j]] : null,
            prediction: p, labelConflict: evaluated.crossMistake, flags: flagReasons(evaluated, thresholds), classNames: manifest.classNames,
          }));
        }
      }
    }
    failed = false;
  } finally {
    // A failure part way through a streamed file leaves no half rows file behind.
    await (failed ? rowsOut?.discard() : rowsOut?.close());
  }
  if (stats.n === 0) throw new Error(`${dataName} has no ${splitName} examples`);

  const summary = summarizeEvaluation(stats, manifest.classNames, groupNames);
  const m = splitName === 'file' ? null : manifest.metrics[splitName];
  return {
    model: { id: manifest.model.id, version: manifest.model.version, algorithm: manifest.training.algorithm },
    data: dataName,
    split: splitName,
    ...summary,
    scores: { ...summary.scores, members: stats.members },
    manifest_metrics: { n: m?.n ?? 0, true_groups: m?.trueGroups ?? null, inferred_groups: m?.inferredGroups ?? null },
  };
}

/** Where the batches come from, and what names the result. */
interface BatchSource {
  batches: AsyncIterable<InferredBatch>;
  dataName: string;
  splitName: 'val' | 'test' | 'file';
  groupNames: readonly string[];
  hasGroups: boolean;
}

/** A test file alone (`--test FILE`, no `--data`), streamed: read and preprocessed in a worker thread, run here. */
function pipelinedSource(bundle: Awaited<ReturnType<typeof readBundle>>, o: EvaluateOptions, batchSize: number): BatchSource {
  const { manifest } = bundle;
  async function* batches(): AsyncGenerator<InferredBatch> {
    const session = await openVerifiedSession(bundle);
    try {
      for await (const b of threadBatches({ manifest, file: o.test!, labelsFile: o.testLabels, limit: o.limit, batchSize })) yield inferBatch(session, b);
    } finally {
      await session.release();
    }
  }
  return { batches: batches(), dataName: o.test!, splitName: 'file', groupNames: manifest.groupNames, hasGroups: bundleHasGroups(manifest) };
}

/** The split in memory, run through the graph in this thread, batch after batch (`--no-pipeline`, and `--data`). */
async function inProcessSource(bundle: Awaited<ReturnType<typeof readBundle>>, o: EvaluateOptions, batchSize: number): Promise<BatchSource> {
  const { manifest } = bundle;
  const { split, dataName, splitName, groupNames, ids } = await evaluationSplit(manifest, o);
  const D = manifest.input.dim, K = manifest.classNames.length;
  if (split.d !== D)
    throw new Error(`input dim mismatch: bundle ${manifest.model.id} expects ${D} inputs per row (manifest input.dim), data ${dataName} has ${split.d}`);
  const badLabel = split.y.findIndex((y) => y < 0 || y >= K);
  if (badLabel >= 0)
    throw new Error(`label ${split.y[badLabel]} of ${dataName} ${splitName} row ${badLabel} is not a class of bundle ${manifest.model.id} (${K} classes: ${manifest.classNames.join(', ')})`);
  if (split.n === 0) throw new Error(`${dataName} has no ${splitName} examples`);
  const iv = manifest.intervention ? prepareIntervention(manifest.intervention, D) : null;
  const raw = split.raw ?? split.x;
  async function* batches(): AsyncGenerator<InferredBatch> {
    const session = await openVerifiedSession(bundle);
    try {
      for (let start = 0; start < split.n; start += batchSize) {
        const end = Math.min(start + batchSize, split.n), line = split.meta.line;
        yield inferBatch(session, prepareBatch(manifest, iv, start, {
          split: { n: end - start, d: D, x: raw.subarray(start * D, end * D), y: split.y.subarray(start, end), group: split.group?.subarray(start, end) ?? null, meta: line ? { line: line.subarray(start, end) } : {} },
          ids: ids?.slice(start, end) ?? null,
        }));
      }
    } finally {
      await session.release();
    }
  }
  return { batches: batches(), dataName, splitName, groupNames, hasGroups: split.group !== null };
}

/**
 * What to evaluate on: a test file alone (`--test FILE`, no `--data`) read with the columns, classes and groups the
 * bundle recorded (user-table bundles); otherwise a split of `--data` (default: the bundle's own dataset).
 */
async function evaluationSplit(manifest: Manifest, o: EvaluateOptions) {
  if (o.test !== undefined && o.data === undefined && manifest.dataset.columns) {
    const t = await readBundleTable(o.test, manifest, o.testLabels);
    const split = o.limit === undefined ? t.split : firstRows(t.split, o.limit);
    return { split, dataName: o.test, splitName: 'file' as const, groupNames: manifest.groupNames, ids: t.ids };
  }
  const splitName = o.split ?? 'test';
  const flag = o.data ?? manifest.dataset.name;
  const spec = parseDataFlag(flag, {
    labelColumn: o.labelColumn, groupColumn: o.groupColumn, attributeColumn: o.attributeColumn, val: o.val, test: o.test,
    labels: o.labels, valLabels: o.valLabels, testLabels: o.testLabels,
    // The bundle's own features, by name: a table's other columns are not read.
    featureColumns: manifest.input.kind === 'features' && isTableFlag(flag) ? manifest.input.featureNames : undefined,
  });
  const data = await loadDataset(spec).catch((e: Error) => {
    if (o.data !== undefined) throw e;
    throw new Error(`the bundle's dataset "${flag}" could not be loaded (${e.message}); pass --data, or --test FILE alone for a user-table bundle`);
  });
  const full = data[splitName];
  const split = o.limit === undefined ? full : firstRows(full, o.limit);
  return { split, dataName: data.name, splitName, groupNames: data.groupNames, ids: null };
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '    —' : `${(100 * v).toFixed(1).padStart(5)}%`);

function groupTable(title: string, g: GroupedAccuracy): string[] {
  const width = Math.max(24, ...g.perGroup.map((p) => p.name.length));
  return [
    `${title.padEnd(width)}      n  accuracy`,
    ...g.perGroup.map((p) => `${p.name.padEnd(width)} ${String(p.n).padStart(6)}    ${pct(p.accuracy)}`),
  ];
}

export function formatEvaluation(r: EvaluateResult): string {
  const m = r.group_source === 'true' ? r.manifest_metrics.true_groups : r.manifest_metrics.inferred_groups;
  const fmt = (v: number) => v.toFixed(4).padStart(8);
  const lines = [
    `bundle ${r.model.id} (${r.model.algorithm}, version ${r.model.version}) on ${r.data} ${r.split}: ${r.n} inputs`,
    // Both worst-group accuracies, each named by its groups: the true one (annotated groups) is the robustness figure,
    // the inferred one (XRM's groups, no annotation needed) is what can be measured on unannotated data.
    `accuracy ${pct(r.accuracy)}   worst-group accuracy over ${r.true_groups ? `true groups ${pct(r.true_groups.worstGroup)}, over ` : ''}XRM-inferred groups ${pct(r.inferred_groups.worstGroup)}`,
    ...(r.manifest_metrics.n > 0 ? [`manifest (trainer, n=${r.manifest_metrics.n}): accuracy ${pct(m?.average)}   worst-group accuracy ${pct(m?.worstGroup)} (${r.group_source === 'true' ? 'true' : 'XRM-inferred'} groups)`] : []),
    '',
    ...groupTable(r.group_source === 'true' ? 'group (true)' : 'group (XRM-inferred)', r.true_groups ?? r.inferred_groups),
  ];
  if (r.true_groups) lines.push('', ...groupTable('group (XRM-inferred)', r.inferred_groups));
  lines.push(
    '',
    `${'score'.padEnd(21)} ${['mean', 'p50', 'p95', 'max'].map((h) => h.padStart(8)).join('  ')}`,
    ...(['memorization', 'reliance', 'twin_disagreement', 'counterfactual_change'] as const).flatMap((k) => {
      const d = r.scores[k];
      return d ? [`${k.padEnd(21)} ${fmt(d.mean)}  ${fmt(d.p50)}  ${fmt(d.p95)}  ${fmt(d.max)}`] : [];
    }),
    `labels against the shortcut ${pct(r.scores.conflict_rate)}; predictions against it ${pct(r.scores.prediction_conflict_rate)}; training-set members ${r.scores.members}`,
  );
  return lines.join('\n');
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description("run a bundle's model.onnx (onnxruntime-web) on a labelled split: accuracy, worst-group accuracy, per group, score distributions")
    .argument('<bundleDir>', 'bundle folder (manifest.json, model.onnx, memorization.json, …)')
    .option('--data <source>', "colored-mnist[:variant] | synthetic[:sigma] | csv:FILE | jsonl:FILE | parquet:FILE | npy:FILE (default: the manifest's dataset)")
    .option('--split <name>', 'val | test', choice('--split', ['val', 'test'] as const), 'test')
    .option('--limit <n>', 'only the first n examples of the split', intOption('--limit', 1))
    .option('--val <file>', 'validation file of user data, same kind as --data (else carved from --data)')
    .option('--test <file>', "test file of user data; alone (without --data) it is read with the bundle's recorded columns, classes and groups")
    .option('--labels <file>', 'npy data: the companion table (CSV, JSONL or Parquet) of the --data array')
    .option('--val-labels <file>', 'npy data: the companion table of --val')
    .option('--test-labels <file>', 'npy data: the companion table of --test')
    .option('--label-column <name>', 'label column of user data')
    .option('--group-column <name>', 'true group column of user data')
    .option('--attribute-column <name>', 'spurious attribute column (groups = label × attribute)')
    .option('--out <file>', "write every input's answer and scores (id, label, prediction, probabilities, memorization, spurious fields, flags) to a .jsonl or .csv file")
    .option('--no-pipeline', 'one thread: read the whole test file, then run and score it (default: read and run the graph in a worker thread while scoring, batch by batch)')
    .option('--json', 'print the result as one JSON object')
    .action(async (dir: string, opts) => {
      const result = await evaluateBundle(dir, opts);
      console.log(opts.json ? JSON.stringify(result, null, 2) : formatEvaluation(result));
    });
}
