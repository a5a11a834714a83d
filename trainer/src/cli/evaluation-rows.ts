import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { Prediction } from '#shared';

/** One scored input as `mat-edge evaluate --out` writes it: flat, one field per value, so CSV and JSONL agree. */
export type EvaluationRow = Record<string, string | number | boolean | null>;

/** The row of input i: its id, label, answer, every score of /v1/evaluate and the reasons it would be flagged. */
export function evaluationRow(o: {
  id: string; label: number; group: string | null; prediction: Prediction; labelConflict: boolean; flags: readonly string[]; classNames: readonly string[];
}): EvaluationRow {
  const { prediction: p } = o;
  // Built in place, in this key order (the rows file's columns): one object per row, no spreads (a row per input).
  const row: EvaluationRow = { id: o.id, label: o.classNames[o.label], group: o.group, prediction: p.class_name, correct: p.label === o.label };
  addPredictionFields(row, p, o.classNames);
  row.label_conflict = o.labelConflict;
  row.flags = o.flags.join(' ');
  return row;
}

/** An unlabelled input's answer and scores (/v1/predict), flat as `evaluationRow`'s. */
export function predictionFields(p: Prediction, classNames: readonly string[]): EvaluationRow {
  return addPredictionFields({}, p, classNames);
}

function addPredictionFields(row: EvaluationRow, p: Prediction, classNames: readonly string[]): EvaluationRow {
  for (let k = 0; k < classNames.length; k++) row[`p[${classNames[k]}]`] = p.probabilities[k];
  const m = p.memorization, s = p.spurious;
  row.memorization = m.score;
  row.memorization_percentile = m.percentile;
  row.memorization_estimator = m.estimator;
  row.member = m.member;
  row.twin_disagreement = m.twin_disagreement;
  row.shortcut_label = s.shortcut_class_name;
  row.shortcut_confidence = s.shortcut_confidence;
  row.prediction_conflict = s.conflict;
  row.reliance = s.reliance;
  row.intervention = s.intervention;
  row.counterfactual_change = s.counterfactual_change;
  row.flip = s.flip;
  row.flip_probability = s.flip_probability;
  row.slice_accuracy = s.slice_accuracy;
  return row;
}

/** Text gathered before one write: a write per row costs more than the row's JSON (a Buffer and a request each). */
const WRITE_BYTES = 1 << 16;

/**
 * Writes rows to `path` as JSON Lines (.jsonl) or CSV (.csv, header from the first row), streaming with backpressure.
 * The rows go to a temporary sibling renamed to `path` by `close`: the input is streamed while the rows are written, so
 * `path` may even be the input itself, and a run that fails (`discard`) leaves whatever `path` held before.
 */
export class RowWriter {
  private header: string[] | null = null;
  private pending = '';
  private constructor(private readonly out: WriteStream, private readonly csv: boolean, private readonly path: string, private readonly partial: string) {}

  static open(path: string): RowWriter {
    const csv = /\.csv$/i.test(path);
    if (!csv && !/\.jsonl$/i.test(path)) throw new Error(`--out ${path}: the rows file must end in .jsonl or .csv`);
    const partial = `${path}.${process.pid}.partial`;
    return new RowWriter(createWriteStream(partial), csv, path, partial);
  }

  async write(row: EvaluationRow): Promise<void> {
    let text: string;
    if (!this.csv) text = `${JSON.stringify(row)}\n`;
    else {
      const first = this.header === null;
      this.header ??= Object.keys(row);
      text = stringify(first ? [this.header, this.header.map((k) => row[k])] : [this.header.map((k) => row[k])]);
    }
    this.pending += text;
    if (this.pending.length >= WRITE_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (text !== '' && !this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
    await rename(this.partial, this.path);
  }

  /** Drops the rows written so far (a failed run). */
  async discard(): Promise<void> {
    this.out.destroy();
    await rm(this.partial, { force: true });
  }
}
