import { batchInput, type Manifest, type PreparedIntervention } from '#shared';
import type { BundleTable } from '../data/bundle-table.js';
import { runAll, type GraphRun, type ort } from '../model/ort-node.js';

/** One batch of inputs ready for the graph: its raw rows, labels, groups, ids and the graph's input. */
export interface PreparedBatch {
  /** Index of the batch's first row in the evaluated split. */
  start: number;
  rows: number;
  /** [rows × D] raw inputs (the membership audit hashes these). */
  raw: Float32Array;
  y: Int32Array;
  group: Int32Array | null;
  ids: string[] | null;
  /** 1-based file line of each row, where the data has lines. */
  lines: Int32Array | null;
  /** [rows × (1 + V) × D] preprocessed: the rows, then (with an intervention) their V counterfactuals each. */
  x: Float32Array;
}

/** A batch with the graph's outputs for every row of `x`. */
export interface InferredBatch extends PreparedBatch {
  out: GraphRun;
}

/**
 * Prepares one batch as the worker prepares a request: the bundle's preprocessing of each raw row, and with a
 * declared intervention each row's V counterfactuals after the batch's rows, for one `session.run`.
 */
export function prepareBatch(manifest: Manifest, iv: PreparedIntervention | null, start: number, t: BundleTable): PreparedBatch {
  const D = manifest.input.dim, rows = t.split.n, raw = t.split.x;
  const x = batchInput((j) => raw.subarray(j * D, (j + 1) * D), rows, D, manifest.input.preprocessing, iv);
  const lines = t.split.meta.line;
  return { start, rows, raw, y: t.split.y, group: t.split.group, ids: t.ids, lines: lines instanceof Int32Array ? lines : null, x };
}

/** Runs a prepared batch through the bundle graph (one `session.run`). */
export async function inferBatch(session: ort.InferenceSession, b: PreparedBatch): Promise<InferredBatch> {
  const D = b.raw.length / b.rows;
  return { ...b, out: await runAll(session, b.x, b.x.length / D, D, b.rows) };
}

/** The arrays of a batch, for a transfer list: each buffer once, views into a larger buffer copied out first. */
export function ownBuffers(b: PreparedBatch): ArrayBuffer[] {
  const own = <T extends Float32Array | Int32Array>(a: T): T => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));
  b.raw = own(b.raw);
  b.x = own(b.x);
  b.y = own(b.y);
  if (b.group) b.group = own(b.group);
  if (b.lines) b.lines = own(b.lines);
  const arrays = [b.raw, b.x, b.y, b.group, b.lines];
  return [...new Set(arrays.flatMap((a) => (a ? [a.buffer as ArrayBuffer] : [])))];
}
