import type { MessagePort } from 'node:worker_threads';
import { Tinypool } from 'tinypool';
import { initBackend, type BackendName } from '../backend.js';
import { runAlgorithm } from '../train/run.js';
import type { RunTask, TaskMessage, WorkerSetup } from './task.js';

const setup = Tinypool.workerData as WorkerSetup;
const ready = initBackend(setup.backend as BackendName);
/** Step messages at most this often: a bar needs no more, and each message costs the training loop. */
const TICK_MS = 100;

/** Runs one task in this worker thread; the RunResult holds only typed arrays and plain objects (no tensors), so it clones back as is. */
export default async function runTask({ task, port }: { task: RunTask; port: MessagePort }) {
  await ready;
  const post = (m: TaskMessage) => port.postMessage(m);
  post({ kind: 'start' });
  let last = 0;
  try {
    return await runAlgorithm({
      ...task, data: setup.data,
      onStep: (step, total, loss) => {
        const now = performance.now();
        if (now - last < TICK_MS && step !== total - 1) return;
        last = now;
        post({ kind: 'step', step, loss });
      },
    });
  } finally {
    port.close();
  }
}
