/**
 * The reader half of `mat-edge evaluate`'s pipeline, in a worker thread: reads the test file batch by batch
 * (readBundleBatches), applies the bundle's preprocessing (and intervention), and posts each batch to the main thread
 * (which runs model.onnx, scores and writes the rows: the profile splits the CPU time about evenly so), its arrays
 * transferred, not copied. At most QUEUE batches are ahead of the main thread, so memory stays bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareIntervention, type Manifest } from '#shared';
import { readBundleBatches } from '../data/bundle-table.js';
import { DataValidationError } from '../data/errors.js';
import { ownBuffers, prepareBatch, type PreparedBatch } from './evaluation-batches.js';

export interface ThreadSetup {
  /** The bundle's verified manifest (the main thread read the bundle). */
  manifest: Manifest;
  file: string;
  labelsFile?: string;
  limit?: number;
  batchSize: number;
}

/** What the thread posts: a batch, the end, or the error that stopped it (a data error with its location). */
export type ThreadMessage =
  | { kind: 'batch'; batch: PreparedBatch }
  | { kind: 'done' }
  | { kind: 'error'; message: string; location?: { file: string; row?: number; column?: string; detail: string } };

/** Batches posted ahead of the main thread's acknowledgements: one being scored, one ready, one being run. */
export const QUEUE = 2;

const port = parentPort!;
const setup = workerData as ThreadSetup;
let credit = QUEUE;
let wake: (() => void) | null = null;
port.on('message', () => {
  credit++;
  wake?.();
});

try {
  const { manifest } = setup;
  const iv = manifest.intervention ? prepareIntervention(manifest.intervention, manifest.input.dim) : null;
  let start = 0;
  for await (const t of readBundleBatches(setup.file, manifest, setup.batchSize, { labelsFile: setup.labelsFile, limit: setup.limit })) {
    const batch = prepareBatch(manifest, iv, start, t);
    start += batch.rows;
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    port.postMessage({ kind: 'batch', batch } satisfies ThreadMessage, ownBuffers(batch));
  }
  port.postMessage({ kind: 'done' } satisfies ThreadMessage);
} catch (err) {
  const e = err as Error;
  const location = e instanceof DataValidationError ? { file: e.file, row: e.row, column: e.column, detail: e.detail } : undefined;
  port.postMessage({ kind: 'error', message: e.message ?? String(err), ...(location ? { location } : {}) } satisfies ThreadMessage);
}
port.close();
