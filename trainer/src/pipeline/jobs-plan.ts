import { chmod, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { jobCommand, jobList, planHash, planText, STAGES, stageJobs, sweepFiles, type Job, type SweepPlan } from './jobs.js';
import { writeFileAtomic } from './jobs-results.js';

/**
 * Writes a sweep folder's plan and job lists: sweep.json (the options), jobs.json (every job: stage, index in its stage,
 * id, result file, exact command) and jobs/<stage>.txt (one command per line). A folder that already holds a different
 * plan is refused: its result files answer other options.
 */
export async function writePlan(dir: string, plan: SweepPlan, launcher: string): Promise<{ hash: string; jobs: Job[] }> {
  const text = planText(plan);
  const existing = await readFile(sweepFiles.plan(dir), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (existing !== null && existing !== text) {
    throw new Error(`${dir} holds a sweep of other options (its sweep.json differs); give a new --out, or remove ${dir} to start over`);
  }
  const hash = planHash(text);
  const jobs = jobList(plan);
  await mkdir(path.join(dir, 'results'), { recursive: true });
  if (existing === null) await writeFileAtomic(sweepFiles.plan(dir), text);
  const listed = STAGES.map((stage) => ({ stage, jobs: stageJobs(jobs, stage) }));
  await writeFileAtomic(sweepFiles.jobs(dir), `${JSON.stringify({
    format: 'mat-edge-jobs/1',
    plan: hash,
    launcher,
    stages: listed.map((s) => ({ stage: s.stage, jobs: s.jobs.length, list: sweepFiles.stageList(dir, s.stage) })),
    jobs: listed.flatMap((s) => s.jobs.map((job, index) => ({ ...job, index, result: sweepFiles.result(dir, job.id), command: jobCommand(launcher, dir, job) }))),
  }, null, 2)}\n`);
  for (const s of listed) await writeFileAtomic(sweepFiles.stageList(dir, s.stage), s.jobs.map((job) => `${jobCommand(launcher, dir, job)}\n`).join(''));
  return { hash, jobs };
}

/** Writes emitted scheduler files under the sweep folder; shell scripts executable. */
export async function writeEmitted(dir: string, files: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await writeFileAtomic(file, text);
    if (/\.(sh|sbatch)$/.test(name)) await chmod(file, 0o755);
    written.push(file);
  }
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  return written;
}
