import type { Command } from 'commander';
import { EvaluationMerge, MatEdgeClient, type Flagged } from '../../../client/src/client.js';
import { MAX_BATCH, type Manifest } from '#shared';
import { openScoreFile, type ScoreColumns } from '../data/score-rows.js';
import { formatEvaluation, type EvaluateResult } from './evaluate-command.js';
import { predictionFields, RowWriter } from './evaluation-rows.js';
import { intOption } from './options.js';
import { terminalProgress } from './progress-bar.js';
import type { Progress } from '../pipeline/progress.js';

export interface ScoreOptions {
  url: string;
  /** API key; default: env MAT_EDGE_KEY. */
  key?: string;
  /** Model id; default: the served active model. */
  model?: string;
  /** /v1/evaluate (labelled rows, a merged evaluation) instead of /v1/predict. */
  evaluate?: boolean;
  /** Per-row output (.jsonl or .csv): every prediction, or with --evaluate every flagged input. */
  out?: string;
  concurrency?: number;
  batch?: number;
  /** .npy input: its companion table of labels and groups. */
  labels?: string;
  labelColumn?: string;
  groupColumn?: string;
  attributeColumn?: string;
  idColumn?: string;
  progress?: Progress;
}

export interface ScoreResult {
  model: { id: string; version: string };
  rows: number;
  requests: number;
  retries: number;
  seconds: number;
  rowsPerSecond: number;
  /** With --evaluate: the batches' statistics merged, as `mat-edge evaluate` reports it. */
  evaluation: EvaluateResult | null;
}

/** The column roles: flags first, else what the manifest recorded (`dataset.columns`). */
function columnRoles(manifest: Manifest, o: ScoreOptions): ScoreColumns {
  const c = manifest.dataset.columns;
  return {
    label: o.labelColumn ?? c?.label,
    group: o.groupColumn ?? (o.attributeColumn ? undefined : c?.group),
    attribute: o.attributeColumn ?? (o.groupColumn ? undefined : c?.attribute),
    id: o.idColumn ?? c?.id,
  };
}

/**
 * Streams a table or .npy file through the API (batches under the server's limits, `concurrency` requests in flight,
 * retries on 429 / 503 / network errors), writing rows as they come back; with `evaluate`, merges the batches'
 * sufficient statistics into the evaluation one call over the whole file would give.
 */
export async function scoreFile(file: string, o: ScoreOptions): Promise<ScoreResult> {
  const key = o.key ?? process.env.MAT_EDGE_KEY;
  const progress = o.progress ?? terminalProgress('rows');
  const client = new MatEdgeClient({ url: o.url, key, onRetry: (e) => progress.log(`retry ${e.attempt} after ${e.reason}: waiting ${(e.waitMs / 1000).toFixed(2)} s`) });
  const id = o.model ?? (await client.models()).models.find((m) => m.active)?.id;
  if (!id) throw new Error(`${o.url} serves no active model; pass --model`);
  const detail = await client.model(id);
  if (!detail.manifest) throw new Error(`model ${id} has no valid bundle: ${detail.refused?.reason ?? detail.status}`);
  const manifest = detail.manifest;
  const { rows, rowsHint } = await openScoreFile(file, manifest, columnRoles(manifest, o), { labelled: Boolean(o.evaluate), labelsFile: o.labels });
  const out = o.out ? RowWriter.open(o.out) : null;
  const task = progress.task(`score ${file}`, rowsHint);
  const stream = { model: id, concurrency: o.concurrency ?? 4, batchRows: o.batch ?? MAX_BATCH };
  const merge = new EvaluationMerge();
  const started = performance.now();
  let done = 0, requests = 0, model = { id, version: manifest.model.version };
  try {
    if (o.evaluate) {
      for await (const { item, result } of client.evaluateStream(rows, stream)) {
        merge.add(result);
        model = result.model;
        for (const f of result.flagged) await out?.write(flaggedRow(item.rows[f.index - item.offset].id, f, manifest.classNames));
        done += item.rows.length;
        requests++;
        task.tick(done, { retries: client.retries });
      }
    } else {
      for await (const { item, result } of client.predictStream(rows, stream)) {
        model = result.model;
        if (out) for (const [i, p] of result.predictions.entries()) await out.write({ id: item.rows[i].id, prediction: p.class_name, ...predictionFields(p, manifest.classNames) });
        done += item.rows.length;
        requests++;
        task.tick(done, { retries: client.retries });
      }
    }
  } finally {
    task.done();
    await out?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  let evaluation: EvaluateResult | null = null;
  if (o.evaluate) {
    const summary = merge.summary(manifest.classNames, manifest.groupNames);
    evaluation = {
      model: { ...model, algorithm: manifest.training.algorithm }, data: file, split: 'file', ...summary,
      scores: { ...summary.scores, members: merge.merged.members },
      manifest_metrics: { n: 0, true_groups: null, inferred_groups: null },
    };
  }
  return { model, rows: done, requests, retries: client.retries, seconds, rowsPerSecond: done / Math.max(seconds, 1e-9), evaluation };
}

/** One flagged input of /v1/evaluate as a row of --out, named by the file's row id. */
function flaggedRow(id: string, f: Flagged, classNames: readonly string[]) {
  return {
    id, index: f.index, label: classNames[f.label], prediction: classNames[f.predicted], reasons: f.reasons.join(' '),
    memorization: f.memorization, reliance: f.reliance, counterfactual_change: f.counterfactual_change, flip: f.flip,
    flip_probability: f.flip_probability, label_conflict: f.conflict,
  };
}

export function scoreLine(r: ScoreResult): string {
  return `scored ${r.rows} rows with ${r.model.id}@${r.model.version} in ${r.seconds.toFixed(1)} s: ${Math.round(r.rowsPerSecond)} rows/s, ${r.requests} requests, ${r.retries} retries`;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('stream a CSV / JSONL / Parquet / .npy file of any size through a served model (/v1/predict, or /v1/evaluate with --evaluate)')
    .argument('<file>', 'rows to score (.csv, .jsonl, .parquet, or .npy with --labels)')
    .requiredOption('--url <url>', 'the worker, e.g. http://127.0.0.1:8787')
    .option('--key <key>', 'API key (default: env MAT_EDGE_KEY)')
    .option('--model <id>', 'model id (default: the active model)')
    .option('--evaluate', "labelled rows through /v1/evaluate: a merged evaluation of the whole file (labels and groups from the manifest's recorded columns, or the flags)")
    .option('--out <file>', 'rows.jsonl | rows.csv: every prediction with its row id; with --evaluate, every flagged input with its row id and reasons')
    .option('--concurrency <n>', 'requests in flight', intOption('--concurrency', 1, 64), 4)
    .option('--batch <n>', `rows per request (at most the server's ${MAX_BATCH}; fewer when the 4 MiB body limit needs)`, intOption('--batch', 1, MAX_BATCH), MAX_BATCH)
    .option('--labels <file>', '.npy input: the companion table (CSV, JSONL or Parquet) of labels and groups, row i for row i')
    .option('--label-column <name>', 'label column (default: the manifest\'s)')
    .option('--group-column <name>', 'true group column (default: the manifest\'s)')
    .option('--attribute-column <name>', 'spurious attribute column (groups = label × attribute)')
    .option('--id-column <name>', 'row id column (default: the manifest\'s, else the line number)')
    .option('--json', 'print the result as one JSON object')
    .action(async (file: string, opts) => {
      const result = await scoreFile(file, opts);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else console.log([scoreLine(result), ...(result.evaluation ? ['', formatEvaluation(result.evaluation)] : [])].join('\n'));
    });
}
