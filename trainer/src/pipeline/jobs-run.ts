import { readFile } from 'node:fs/promises';
import type { AlgorithmName } from '../algorithms/registry.js';
import type { TrainingProfile } from '../algorithms/types.js';
import { initBackend } from '../backend.js';
import { datasetFingerprint } from '../data/fingerprint.js';
import { loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import type { Runner } from '../pool/runner.js';
import { profileFor } from '../train/profile.js';
import type { RunResult } from '../train/run.js';
import { jobList, planHash, STAGES, stageJobs, SweepPlan, sweepFiles, type Job, type Stage } from './jobs.js';
import { readJobResult, writeJobResult, type JobOutputs } from './jobs-results.js';
import { memorizationHalves, memorizationModel } from './memorization.js';
import type { Progress } from './progress.js';
import { pickXrm, runOne, xrmLine, type SweepOptions, type XrmSweep } from './sweep.js';
import { chosenRun, memorizationModelOptions, selectResults } from './train.js';

/** A sweep folder opened for running jobs or collecting: its plan, the data it names (checked), and where runs train. */
export interface SweepContext {
  dir: string;
  plan: SweepPlan;
  /** planHash of sweep.json as written: result files of any other plan count as missing. */
  hash: string;
  jobs: Job[];
  data: Dataset;
  profile: TrainingProfile;
  /** What initBackend returned. */
  backend: string;
  progress: Progress;
  /** Results read so far, by job id (each file is read and decoded once per process). */
  cache: Map<string, Promise<unknown>>;
}

/** Reads and checks DIR/sweep.json. */
export async function readPlan(dir: string): Promise<{ plan: SweepPlan; hash: string }> {
  let text: string;
  try {
    text = await readFile(sweepFiles.plan(dir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${dir} is no sweep folder: ${sweepFiles.plan(dir)} is missing (write it with mat-edge sweep --out ${dir})`);
    throw e;
  }
  const parsed = SweepPlan.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${sweepFiles.plan(dir)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return { plan: parsed.data, hash: planHash(text) };
}

/** Opens a sweep folder: loads the plan's data and refuses data other than what the sweep was planned on. */
export async function openSweep(dir: string, progress: Progress): Promise<SweepContext> {
  const { plan, hash } = await readPlan(dir);
  return sweepContext(dir, plan, hash, await loadDataset(plan.data), progress);
}

/** The context of a plan whose data is loaded already (sweep plans and runs in one process). */
export async function sweepContext(dir: string, plan: SweepPlan, hash: string, data: Dataset, progress: Progress): Promise<SweepContext> {
  if (datasetFingerprint(data) !== plan.fingerprint) throw new Error(`${dir}: the data read here (${data.name}) is not the data this sweep was planned on (fingerprint differs)`);
  const backend = await initBackend(plan.backend);
  return { dir, plan, hash, jobs: jobList(plan), data, profile: profileFor(data), backend, progress, cache: new Map() };
}

export function findJob(jobs: Job[], dir: string, id: string): Job {
  const job = jobs.find((j) => j.id === id);
  if (!job) throw new Error(`no job "${id}" in ${sweepFiles.jobs(dir)} (e.g. ${jobs[0]?.id})`);
  return job;
}

/** The job's valid result, or null. */
export function jobResult<S extends Stage>(ctx: SweepContext, job: Job & { stage: S }): Promise<{ output: JobOutputs[S]; wallSeconds: number } | null> {
  let hit = ctx.cache.get(job.id) as ReturnType<typeof readJobResult<S>> | undefined;
  if (!hit) ctx.cache.set(job.id, (hit = readJobResult(ctx.dir, ctx.hash, job)));
  return hit;
}

/** The outputs of `jobs`, in their order; a job without a valid result file is an error naming every such job. */
async function outputsOf<S extends Stage>(ctx: SweepContext, jobs: (Job & { stage: S })[], needed: string): Promise<JobOutputs[S][]> {
  const results = await Promise.all(jobs.map((j) => jobResult(ctx, j)));
  const missing = jobs.filter((_, i) => !results[i]).map((j) => j.id);
  if (missing.length) throw new Error(`${needed} needs the results of ${missing.join(', ')} (missing or invalid in ${ctx.dir}/results; run their stage first)`);
  return results.map((r) => r!.output);
}

const ofStage = <S extends Stage>(ctx: SweepContext, stage: S, seed: number) => stageJobs(ctx.jobs, stage).filter((j) => j.seed === seed) as (Job & { stage: S })[];

/** The seed's XRM sweep, read from its result files and selected by the rule xrmSweep applies. */
export async function xrmOf(ctx: SweepContext, seed: number, needed: string): Promise<XrmSweep> {
  const jobs = ofStage(ctx, 'xrm', seed);
  const outputs = await outputsOf(ctx, jobs, needed);
  return pickXrm(jobs.map((j, i) => ({ combination: j.combination, result: outputs[i] })), ctx.plan.xrmSelection);
}

/** The seed's runs of each algorithm, in combination order (as algorithmSweep returns them). */
export async function algorithmRunsOf(ctx: SweepContext, seed: number, names: AlgorithmName[], needed: string): Promise<Map<AlgorithmName, RunResult[]>> {
  const jobs = ofStage(ctx, 'algorithms', seed);
  const runs = new Map<AlgorithmName, RunResult[]>();
  for (const name of names) runs.set(name, await outputsOf(ctx, jobs.filter((j) => j.algorithm === name), needed));
  return runs;
}

/** The seed's memorization models' p(y|x) for one bundled algorithm, in model order. */
export async function memorizationProbsOf(ctx: SweepContext, seed: number, name: AlgorithmName, needed: string): Promise<Float32Array[]> {
  const jobs = ofStage(ctx, 'memorization', seed).filter((j) => j.algorithm === name);
  return (await outputsOf(ctx, jobs, needed)).map((o) => o.labelProbs);
}

function sweepOptions(ctx: SweepContext, seed: number, runner: Runner): SweepOptions {
  return { data: ctx.data, profile: ctx.profile, combinations: [], seed, steps: ctx.plan.steps ?? undefined, progress: ctx.progress, runner };
}

/** Trains one job (exactly the run train would train for it) and writes its result file atomically. */
export async function runJob(ctx: SweepContext, job: Job, runner: Runner): Promise<void> {
  const t0 = performance.now();
  const o = sweepOptions(ctx, job.seed, runner);
  const seconds = () => (performance.now() - t0) / 1000;
  if (job.stage === 'xrm') {
    const run = await runOne(o, 'xrm', job.combination, null, false);
    ctx.progress.log(xrmLine(job.combination, run.xrm!));
    return writeJobResult(ctx.dir, ctx.hash, { ...job, stage: 'xrm' }, run.xrm!, seconds());
  }
  const xrm = await xrmOf(ctx, job.seed, job.id);
  if (job.stage === 'algorithms') {
    const { xrm: _none, ...run } = await runOne(o, job.algorithm, job.combination, xrm.selected, true);
    return writeJobResult(ctx.dir, ctx.hash, { ...job, stage: 'algorithms' }, run, seconds());
  }
  const { chosen } = selectResults(await algorithmRunsOf(ctx, job.seed, [job.algorithm], job.id), ctx.plan.selection);
  const model = memorizationModelOptions({ ...o, epochs: ctx.plan.memorization.epochs }, job.algorithm, chosenRun(chosen, job.algorithm), xrm.selected);
  const halves = memorizationHalves(ctx.data.train.n, ctx.plan.memorization.pairs, job.seed);
  const labelProbs = await memorizationModel(model, halves[job.model!], job.model!, halves.length);
  return writeJobResult(ctx.dir, ctx.hash, { ...job, stage: 'memorization' }, { labelProbs }, seconds());
}

export interface StageCount { stage: Stage; jobs: number; ran: number; skipped: number; wallSeconds: number }

/**
 * Runs every job without a valid result, stage by stage (a stage's jobs all at once on the runner, so a pool trains them
 * in parallel); a job whose result file is there and valid is skipped, so a re-run resumes where a killed one stopped.
 */
export async function runPending(ctx: SweepContext, runner: Runner): Promise<StageCount[]> {
  const counts: StageCount[] = [];
  for (const stage of STAGES) {
    const t0 = performance.now();
    const jobs = stageJobs(ctx.jobs, stage);
    const done = await Promise.all(jobs.map((j) => jobResult(ctx, j)));
    const pending = jobs.filter((_, i) => !done[i]);
    await Promise.all(pending.map(async (job) => {
      await runJob(ctx, job, runner);
      ctx.cache.delete(job.id);
    }));
    counts.push({ stage, jobs: jobs.length, ran: pending.length, skipped: jobs.length - pending.length, wallSeconds: (performance.now() - t0) / 1000 });
  }
  return counts;
}
