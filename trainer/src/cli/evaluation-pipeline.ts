import { Worker } from 'node:worker_threads';
import { DataValidationError } from '../data/errors.js';
import type { PreparedBatch } from './evaluation-batches.js';
import type { ThreadMessage, ThreadSetup } from './evaluation-thread.js';

const ENTRY = new URL('./evaluation-thread-entry.mjs', import.meta.url);

/**
 * The test file's batches, read and preprocessed in a worker thread while the caller runs the graph on the previous
 * ones and scores them (two cores busy instead of one), in input order. Each batch taken is acknowledged when the next is asked
 * for, so the thread stays at most QUEUE batches ahead. Stopping early (an error while scoring) ends the thread.
 */
export async function* threadBatches(setup: ThreadSetup): AsyncGenerator<PreparedBatch> {
  // Inherited flags (a parent's loaders, vitest's) are not for this thread; its entry registers tsx itself.
  const worker = new Worker(ENTRY, { workerData: setup, execArgv: [] });
  const inbox: ThreadMessage[] = [];
  let wake: (() => void) | null = null, crash: Error | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: ThreadMessage) => (inbox.push(m), notify()));
  worker.on('error', (err) => ((crash = err), notify()));
  worker.on('exit', (code) => ((crash ??= new Error(`the evaluate reader thread exited (code ${code})`)), notify()));
  try {
    for (;;) {
      while (inbox.length === 0) {
        if (crash) throw crash;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const m = inbox.shift()!;
      if (m.kind === 'done') return;
      if (m.kind === 'error') {
        const l = m.location;
        throw l ? new DataValidationError({ file: l.file, row: l.row, column: l.column }, l.detail) : new Error(m.message);
      }
      yield m.batch;
      worker.postMessage('next');
    }
  } finally {
    await worker.terminate();
  }
}
