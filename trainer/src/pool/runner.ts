import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Tinypool } from 'tinypool';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { Dataset } from '../data/types.js';
import type { Progress } from '../pipeline/progress.js';
import { runAlgorithm, type RunResult } from '../train/run.js';
import { workerDataset, type RunTask, type TaskMessage, type WorkerSetup } from './task.js';

export type TaskResult = RunResult & { xrm?: XrmResult };

/**
 * Runs independent training runs on one dataset. Callers hand it every run they could start (Promise.all) and read
 * the results in their own order, so what they select never depends on which run finished first.
 */
export interface Runner {
  readonly workers: number;
  /** One run with a progress bar labelled `label`, shown from the moment the run starts. */
  run(task: RunTask, label: string): Promise<TaskResult>;
  close(): Promise<void>;
}

/** The default --workers: one per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

function stepsOf(task: RunTask): number {
  return task.steps || task.profile.steps;
}

/** --workers 1: every run in this thread, one after another, as before the pool existed. */
export function inProcessRunner(data: Dataset, progress: Progress): Runner {
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    workers: 1,
    run(task, label) {
      const next = queue.then(async () => {
        // A caller that failed closes the runner: the runs it still had queued are not trained. One turn of the
        // event loop first, so that a close already under way after the previous run's failure lands before this check.
        await new Promise((resolve) => setImmediate(resolve));
        if (closed) throw new Error(`${label}: not run, the runner was closed`);
        const bar = progress.task(label, stepsOf(task));
        const run = await runAlgorithm({ ...task, data, onStep: (step, _t, loss) => bar.tick(step + 1, { loss: loss.toFixed(4) }) });
        bar.done();
        return run;
      });
      queue = next.catch(() => {});
      return next;
    },
    close: async () => {
      closed = true;
    },
  };
}

const WORKER_FILE = new URL('./worker-entry.mjs', import.meta.url);

/** Resolved backend names start with the BackendName that selects them ("tensorflow (@tensorflow/tfjs-node)" → "tensorflow"). */
function backendName(resolved: string): string {
  return resolved.split(/[\s(]/)[0];
}

/** A tinypool of `workers` threads, each with the dataset (shared memory) and the same tfjs backend as this process. */
export function poolRunner(data: Dataset, progress: Progress, workers: number, resolvedBackend: string): Runner {
  const setup: WorkerSetup = { data: workerDataset(data), backend: backendName(resolvedBackend) };
  const pool = new Tinypool({
    filename: WORKER_FILE.href, runtime: 'worker_threads', minThreads: workers, maxThreads: workers,
    // Inherited flags (a parent's loaders, vitest's) are not for these threads; worker-entry.mjs registers tsx itself.
    execArgv: [], workerData: setup,
  });
  return {
    workers,
    async run(task, label) {
      const { port1, port2 } = new MessageChannel();
      let bar: ReturnType<Progress['task']> | null = null;
      let info: Record<string, string> = {};
      const open = () => (bar ??= progress.task(label, stepsOf(task)));
      port1.on('message', (m: TaskMessage) => {
        if (m.kind === 'start') open();
        else {
          info = { loss: m.loss.toFixed(4) };
          open().tick(m.step + 1, info);
        }
      });
      try {
        const run = (await pool.run({ task, port: port2 }, { transferList: [port2] })) as TaskResult;
        // The result and the last tick travel on different ports, in either order: the bar ends full either way.
        const done = open();
        done.tick(stepsOf(task), info);
        done.done();
        return run;
      } finally {
        port1.close();
      }
    },
    close: () => pool.destroy(),
  };
}

export interface RunnerOptions {
  data: Dataset;
  progress: Progress;
  /** 1: in this thread (no pool); more: a pool of that many worker threads. */
  workers: number;
  /** What initBackend returned in this process. */
  backend: string;
}

/** Opens the runner for `o.workers`, hands it to `fn`, and always closes it (the pool's threads would keep the process alive). */
export async function withRunner<T>(o: RunnerOptions, fn: (runner: Runner) => Promise<T>): Promise<T> {
  const runner = o.workers > 1 ? poolRunner(o.data, o.progress, o.workers, o.backend) : inProcessRunner(o.data, o.progress);
  try {
    return await fn(runner);
  } finally {
    await runner.close();
  }
}
