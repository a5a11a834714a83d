import { MAX_BATCH, MAX_BODY_BYTES } from '#shared';

/** One input to score: its raw vector, and for /v1/evaluate its label and (optional) true group. */
export interface ScoreRow {
  input: number[];
  label?: number;
  group?: number;
}

/** Consecutive rows sent in one request; `offset` is the index of the first in the whole stream. */
export interface Batch<R extends ScoreRow> {
  offset: number;
  rows: R[];
  /** Each row's input as JSON, serialized once (its length is what the row adds to the body). */
  inputsJson: string[];
}

export interface BatchLimits {
  /** Rows per request (the server's MAX_BATCH at most). */
  maxRows: number;
  /** Bytes per request body (the server's MAX_BODY_BYTES at most). */
  maxBytes: number;
}

/** Room kept in each body for everything but the inputs: model, labels, groups, offset, thresholds. */
const ENVELOPE_BYTES = 1024;
/** Bytes one row adds besides its input: a comma and its label and group in their arrays. */
const ROW_OVERHEAD_BYTES = 48;

export function serverLimits(maxRows = MAX_BATCH): BatchLimits {
  if (!(Number.isInteger(maxRows) && maxRows >= 1 && maxRows <= MAX_BATCH)) throw new RangeError(`batch size ${maxRows} must be an integer in [1, ${MAX_BATCH}] (the server's limit)`);
  return { maxRows, maxBytes: MAX_BODY_BYTES };
}

/**
 * Groups a stream of rows into batches under the server's limits on rows and body bytes, reading no further ahead
 * than one batch. A row too large for any body is an error naming it.
 */
export async function* batches<R extends ScoreRow>(rows: AsyncIterable<R> | Iterable<R>, limits: BatchLimits): AsyncGenerator<Batch<R>> {
  const budget = limits.maxBytes - ENVELOPE_BYTES;
  let batch: Batch<R> = { offset: 0, rows: [], inputsJson: [] }, bytes = 0, index = 0;
  for await (const row of rows) {
    const json = JSON.stringify(row.input);
    const size = json.length + ROW_OVERHEAD_BYTES; // JSON numbers are ASCII: characters are bytes
    if (size > budget) throw new RangeError(`row ${index} is ${json.length} bytes as JSON, more than a request body may hold (${limits.maxBytes} bytes)`);
    if (batch.rows.length === limits.maxRows || bytes + size > budget) {
      yield batch;
      batch = { offset: index, rows: [], inputsJson: [] };
      bytes = 0;
    }
    batch.rows.push(row);
    batch.inputsJson.push(json);
    bytes += size;
    index++;
  }
  if (batch.rows.length) yield batch;
}

/** The request body of a batch: `fields` (model, labels, …) plus the batch's inputs, spliced in already serialized. */
export function batchBody(fields: Record<string, unknown>, inputsJson: readonly string[]): string {
  const head = JSON.stringify(fields);
  return `${head.slice(0, -1)}${head === '{}' ? '' : ','}"inputs":[${inputsJson.join(',')}]}`;
}

/**
 * Runs `send` over the batches with at most `concurrency` in flight, yielding the results in batch order. Memory is
 * bounded by the batches in flight: the next batch is read only when one finishes.
 */
export async function* inFlight<B, T>(items: AsyncIterable<B>, send: (item: B) => Promise<T>, concurrency: number): AsyncGenerator<{ item: B; result: T }> {
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency ${concurrency} must be a positive integer`);
  const queue: Promise<{ item: B; result: T }>[] = [];
  for await (const item of items) {
    const p = send(item).then((result) => ({ item, result }));
    p.catch(() => {}); // awaited in order below; this keeps a later failure from going unhandled meanwhile
    queue.push(p);
    if (queue.length >= concurrency) yield await queue.shift()!;
  }
  while (queue.length) yield await queue.shift()!;
}
