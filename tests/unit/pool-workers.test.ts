import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle, type ReadBundle } from '../../trainer/src/bundle/read.js';
import { loadDataset, parseDataFlag } from '../../trainer/src/data/index.js';
import { resolveHparams } from '../../trainer/src/algorithms/registry.js';
import { silentProgress, type Progress } from '../../trainer/src/pipeline/progress.js';
import { withRunner } from '../../trainer/src/pool/runner.js';
import { profileFor } from '../../trainer/src/train/profile.js';
import { trainPipeline, type TrainSummary } from '../../trainer/src/pipeline/train.js';
import { expectSameBundle } from './helpers/same-bundles.js';

const LIMIT = 600;
const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-pool-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** Records every bar: its label, total, ticks and whether it ended. */
function recordingProgress() {
  const bars = new Map<string, { total: number; ticks: number[]; done: boolean }>();
  const progress: Progress = {
    task(label, total) {
      const bar = { total, ticks: [] as number[], done: false };
      bars.set(label, bar);
      return { tick: (d) => bar.ticks.push(d), done: () => { bar.done = true; } };
    },
    log() {},
  };
  return { bars, progress };
}

/** A small pipeline (Colored MNIST 600 per split, 40 steps, sweep 2, 2 memorization pairs) on `workers` threads. */
async function train(workers: number) {
  const data = await loadDataset(parseDataFlag('colored-mnist', { limit: { train: LIMIT, val: LIMIT, test: LIMIT } }));
  const rec = recordingProgress();
  const summary = await trainPipeline({
    data, algorithms: ['erm', 'jtt', 'mat'], bundles: ['mat', 'erm'], sweep: 2, seed: 3, backend: 'wasm', selection: 'auto',
    out: path.join(root, `w${workers}`), tag: 'cmnist', memorization: { pairs: 2, epochs: 2 }, exemplars: 32, steps: 40,
    workers, progress: rec.progress,
  });
  const bundles: Record<string, ReadBundle> = {};
  for (const b of summary.bundles) bundles[b.algorithm] = await readBundle(b.dir);
  return { summary, bundles, bars: rec.bars };
}

describe('--workers: the same pipeline in this thread and on a pool of 2 worker threads', () => {
  let one: Awaited<ReturnType<typeof train>>, two: Awaited<ReturnType<typeof train>>;
  beforeAll(async () => {
    one = await train(1);
    two = await train(2);
  }, 300_000);

  it('selects the same XRM run and the same checkpoint of every algorithm, with the same metrics', () => {
    const strip = (s: TrainSummary) => ({ xrm: s.xrm, results: s.results, selection: s.selection });
    expect(two.summary.workers).toBe(2);
    expect(one.summary.results.map((r) => r.algorithm)).toEqual(['erm', 'erm', 'jtt', 'jtt', 'mat', 'mat']);
    expect(strip(two.summary)).toEqual(strip(one.summary));
  });

  it('writes bitwise-identical models, memorization scores and manifest metrics', () => {
    for (const name of ['mat', 'erm']) {
      const [a, b] = [one.bundles[name], two.bundles[name]];
      expectSameBundle(a, b);
      expect(Object.keys(a.memorization.members)).toHaveLength(LIMIT);
    }
  });

  it('shows one finished, full bar per run, ticks forwarded from the workers', () => {
    // XRM 2 + 3 algorithms × 2 combinations + 2 bundles × 4 memorization models, then 2 bundle bars.
    expect(two.bars.size).toBe(2 + 6 + 8 + 2);
    expect([...two.bars.keys()].sort()).toEqual([...one.bars.keys()].sort());
    for (const [label, bar] of two.bars) {
      expect(bar.done, label).toBe(true);
      expect(bar.ticks.at(-1), label).toBe(bar.total);
      if (!label.startsWith('bundle')) expect(bar.ticks.length, label).toBeGreaterThan(0);
    }
    // In this thread a bar ticks on every step; from a worker at most every 100 ms (plus the last step), so fewer
    // ticks than steps show that the runs went through the pool.
    const training = (bars: typeof one.bars) => [...bars].filter(([label]) => !label.startsWith('bundle')).map(([, bar]) => bar);
    for (const bar of training(one.bars)) expect(bar.ticks).toEqual(Array.from({ length: bar.total }, (_, i) => i + 1));
    expect(training(two.bars).some((bar) => bar.ticks.length < bar.total)).toBe(true);
  });
});

describe('--workers from the CLI launcher (bin/mat-edge.mjs, what npx mat-edge and npm run mat-edge run)', () => {
  it('trains on 2 worker threads, which load the TypeScript runs through tsx themselves', async () => {
    const out = path.join(root, 'cli');
    const { stdout } = await promisify(execFile)('node', [
      'bin/mat-edge.mjs', 'train', '--limit', '200', '--steps', '20', '--algorithms', 'erm', '--bundle', 'erm', '--memorization-pairs', '2',
      '--memorization-epochs', '1', '--exemplars', '16', '--backend', 'wasm', '--workers', '2', '--out', out, '--json',
    ], { timeout: 120_000 });
    const summary = JSON.parse(stdout) as TrainSummary;
    expect(summary.workers).toBe(2);
    expect(summary.results.map((r) => r.algorithm)).toEqual(['erm', 'erm']);
    expect(Object.values(summary.phases).every((s) => s > 0)).toBe(true);
  }, 120_000);
});

describe('a failing run', () => {
  it.each([1, 2])('rejects the caller with its own message on %i worker(s); runs still queued in this thread are not trained', async (workers) => {
    const data = await loadDataset(parseDataFlag('colored-mnist', { limit: { train: 100, val: 100, test: 100 } }));
    const profile = profileFor(data);
    const task = { profile, hparams: resolveHparams('erm', profile, null), seed: 0, steps: 5, evaluate: false };
    const started: string[] = [];
    const progress: Progress = { ...silentProgress, task: (label, total) => (started.push(label), silentProgress.task(label, total)) };
    let queued: Promise<unknown> = Promise.resolve();
    await expect(withRunner({ data, progress, workers, backend: 'wasm' }, (runner) => {
      const failing = runner.run({ ...task, algorithm: 'mat' }, 'mat without XRM');
      queued = runner.run({ ...task, algorithm: 'erm' }, 'queued erm');
      return Promise.all([failing, queued]);
    })).rejects.toThrow('mat needs an XRM run');
    if (workers === 1) {
      await expect(queued).rejects.toThrow('queued erm: not run, the runner was closed');
      expect(started).toEqual(['mat without XRM']);
    } else {
      // On the pool the other run was already training on its own thread: closing ends it either way, never hangs.
      await Promise.allSettled([queued]);
    }
  }, 60_000);
});
