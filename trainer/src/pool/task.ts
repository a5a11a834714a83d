import type { Dataset, Split } from '../data/types.js';
import type { RunOptions } from '../train/run.js';

/** One independent training run as it crosses to a worker: runAlgorithm's options without the data (sent once per worker) and the step callback. */
export type RunTask = Omit<RunOptions, 'data' | 'onStep'>;

/** What a worker posts on a task's progress port. */
export type TaskMessage = { kind: 'start' } | { kind: 'step'; step: number; loss: number };

/** What each worker receives once, at start-up (tinypool's workerData). */
export interface WorkerSetup {
  data: Dataset;
  /** The backend the main process resolved, by its BackendName (initBackend's result starts with it). */
  backend: string;
}

type Typed = Float32Array | Int32Array;

/** A copy backed by a SharedArrayBuffer: every worker reads the same memory instead of its own clone. */
function shared<T extends Typed>(a: T): T {
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  copy.set(a);
  return copy;
}

function sharedSplit(s: Split): Split {
  return {
    ...s, x: shared(s.x), ...(s.raw ? { raw: shared(s.raw) } : {}), y: shared(s.y), group: s.group ? shared(s.group) : null,
    meta: Object.fromEntries(Object.entries(s.meta).map(([k, v]) => [k, shared(v)])),
  };
}

/**
 * The dataset as workers get it: typed arrays in shared memory (one copy for all workers), and without the
 * counterfactual, whose `apply` function cannot be cloned and which training never uses (only the main thread does).
 */
export function workerDataset(data: Dataset): Dataset {
  const { counterfactual: _cf, ...rest } = data;
  return { ...rest, train: sharedSplit(data.train), val: sharedSplit(data.val), test: sharedSplit(data.test) };
}
