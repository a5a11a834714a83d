import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { ALGORITHMS, isAlgorithmName, type AlgorithmName } from '../algorithms/registry.js';
import { BACKEND_NAMES } from '../backend.js';
import { DataSpec } from '../data/index.js';
import { XRM_SELECTIONS } from './xrm-selection.js';

/**
 * A training run cut into independent jobs (docs/design.md "Sweeps"): the same runs `train` trains on its pool, in three
 * stages, each stage's jobs needing only the result files of the stages before it.
 * - `xrm`: one XRM run per combination and seed;
 * - `algorithms`: one run per algorithm, combination and seed, on the XRM run that its seed's XRM results select;
 * - `memorization`: one half-model per bundled algorithm, model and seed, with the hyper-parameters its seed's
 *   algorithm results select.
 * `collect` then selects again from the same files (the same functions) and writes the bundles.
 */
export const STAGES = ['xrm', 'algorithms', 'memorization'] as const;
export type Stage = (typeof STAGES)[number];

const Algorithm = z.string().refine(isAlgorithmName, { message: `an algorithm (${Object.keys(ALGORITHMS).join(', ')})` }).transform((s) => s as AlgorithmName);
const Count = z.number().int().positive();

/** sweep.json: everything a job's result depends on besides its id, so that a job's command is `mat-edge job DIR ID` and nothing more. */
export const SweepPlan = z.strictObject({
  format: z.literal('mat-edge-sweep/1'),
  data: DataSpec,
  /** datasetFingerprint of the data the sweep was planned on: a job or collect that reads other data refuses to run. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** The algorithms that train (train's rule: requested and bundled, less XRM and those needing groups the data lacks). */
  algorithms: z.array(Algorithm),
  bundles: z.array(Algorithm).min(1),
  sweep: Count,
  seeds: z.array(z.number().int().nonnegative()).min(1),
  backend: z.enum(BACKEND_NAMES),
  selection: z.enum(['va_wga', 'va_gi_wga']),
  /** Which XRM run the algorithms build on (docs/method.md §1.6). */
  xrmSelection: z.enum(XRM_SELECTIONS),
  steps: Count.nullable(),
  memorization: z.strictObject({ pairs: Count, epochs: Count }),
  exemplars: Count,
  publishSamples: z.boolean().nullable(),
  tag: z.string(),
});
export type SweepPlan = z.infer<typeof SweepPlan>;

export interface Job {
  /** File-name-safe, unique: `xrm-c0-s0`, `mat-c1-s0`, `memorization-mat-m3-s0`. */
  id: string;
  stage: Stage;
  algorithm: AlgorithmName;
  /** Hyper-parameter combination (docs/method.md §2.6); null for memorization models (they take the selected run's). */
  combination: number | null;
  seed: number;
  /** Memorization model index (0 … 2·pairs − 1). */
  model: number | null;
}

/** Every job of the plan, stage by stage; within a stage by seed, then algorithm, then combination or model. */
export function jobList(plan: SweepPlan): Job[] {
  const combinations = Array.from({ length: plan.sweep }, (_, c) => c);
  const jobs: Job[] = [];
  for (const seed of plan.seeds) for (const c of combinations) jobs.push({ id: `xrm-c${c}-s${seed}`, stage: 'xrm', algorithm: 'xrm', combination: c, seed, model: null });
  for (const seed of plan.seeds) {
    for (const algorithm of plan.algorithms) for (const c of combinations) jobs.push({ id: `${algorithm}-c${c}-s${seed}`, stage: 'algorithms', algorithm, combination: c, seed, model: null });
  }
  for (const seed of plan.seeds) {
    for (const algorithm of plan.bundles) {
      for (let m = 0; m < 2 * plan.memorization.pairs; m++) jobs.push({ id: `memorization-${algorithm}-m${m}-s${seed}`, stage: 'memorization', algorithm, combination: null, seed, model: m });
    }
  }
  return jobs;
}

export function stageJobs(jobs: Job[], stage: Stage): Job[] {
  return jobs.filter((j) => j.stage === stage);
}

/** The files of a sweep folder. */
export const sweepFiles = {
  plan: (dir: string) => path.join(dir, 'sweep.json'),
  jobs: (dir: string) => path.join(dir, 'jobs.json'),
  /** One command per line: line i + 1 is the stage's job i (what an array task or indexed pod runs). */
  stageList: (dir: string, stage: Stage) => path.join(dir, 'jobs', `${stage}.txt`),
  result: (dir: string, id: string) => path.join(dir, 'results', `${id}.json`),
};

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The exact command of one job, run from the folder the sweep was planned in (paths in it are relative to that folder).
 * `launcher` starts the CLI where the jobs run (e.g. `npx mat-edge`); it is no part of the plan, as it changes no result.
 */
export function jobCommand(launcher: string, dir: string, job: Job): string {
  return `${launcher} job ${shellWord(dir)} ${job.id}`;
}

/** sha256 of the plan as written: every result file names the plan it was computed for. */
export function planHash(planText: string): string {
  return createHash('sha256').update(planText).digest('hex');
}

export function planText(plan: SweepPlan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/** Where collect writes one seed's bundles: `out` itself for a one-seed sweep (as train), `out/seed-<s>` otherwise. */
export function seedBundleDir(plan: SweepPlan, out: string, seed: number): string {
  return plan.seeds.length === 1 ? out : path.join(out, `seed-${seed}`);
}
