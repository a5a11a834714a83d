import path from 'node:path';
import { shellWord, STAGES, stageJobs, sweepFiles, type Job, type SweepPlan } from './jobs.js';

/**
 * Files that hand a sweep's job lists to an existing scheduler, one array (Slurm) or Indexed Job (Kubernetes) per stage,
 * each task running line `index + 1` of its stage's list unchanged. Nothing here schedules: the scheduler does.
 */
export interface EmitOptions {
  dir: string;
  plan: SweepPlan;
  jobs: Job[];
  /** Where the commands run from (the repository checkout the sweep was planned in): Slurm's --chdir. */
  cwd: string;
  /** What starts the CLI there (the job lists' commands start with it). */
  launcher: string;
}

export interface K8sOptions extends EmitOptions {
  /** Container image holding the repository with its node_modules (placeholder: mat-edge:latest). */
  image: string;
  /** PersistentVolumeClaim holding the sweep folder (and user data files), mounted where the commands expect it. */
  volumeClaim: string;
  /** The repository's folder inside the image: the pods' working directory. */
  workdir: string;
  /** Pods of one stage at once (default: all of them). */
  parallelism?: number;
}

/** The shell line a task runs: its stage's list, line index + 1, unchanged. */
function lineOf(dir: string, stage: string, indexVar: string): string {
  const list = shellWord(path.join(dir, 'jobs', `${stage}.txt`));
  return `eval "$(sed -n "$((${indexVar} + 1))p" ${list})"`;
}

function jobName(plan: SweepPlan, stage: string): string {
  return `mat-edge-${plan.tag}-${stage}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
}

const stagesWithJobs = (jobs: Job[]) => STAGES.filter((s) => stageJobs(jobs, s).length > 0);

/** Slurm: one sbatch array script per stage, collect.sbatch, and submit.sh chaining them with --dependency=afterok. */
export function emitSlurm(o: EmitOptions): Record<string, string> {
  const files: Record<string, string> = {};
  const logs = shellWord(path.join(o.dir, 'logs'));
  const stages = stagesWithJobs(o.jobs);
  for (const stage of stages) {
    const n = stageJobs(o.jobs, stage).length;
    files[`slurm/${stage}.sbatch`] = [
      '#!/bin/bash',
      `#SBATCH --job-name=${jobName(o.plan, stage)}`,
      `#SBATCH --array=0-${n - 1}`,
      `#SBATCH --chdir=${o.cwd}`,
      `#SBATCH --output=${path.join(o.dir, 'logs', `${stage}-%a.out`)}`,
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=1',
      `# ${n} ${stage} job(s): array task i runs line i + 1 of ${sweepFiles.stageList(o.dir, stage)} unchanged; each writes its`,
      '# own result file atomically, and a task whose result is already there and valid returns at once.',
      'set -euo pipefail',
      lineOf(o.dir, stage, 'SLURM_ARRAY_TASK_ID'),
      '',
    ].join('\n');
  }
  files['slurm/collect.sbatch'] = [
    '#!/bin/bash',
    `#SBATCH --job-name=${jobName(o.plan, 'collect')}`,
    `#SBATCH --chdir=${o.cwd}`,
    `#SBATCH --output=${path.join(o.dir, 'logs', 'collect.out')}`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    '# Selection, calibration and bundles, once every stage succeeded.',
    'set -euo pipefail',
    `${o.launcher} collect ${shellWord(o.dir)} --out ${shellWord(path.join(o.dir, 'bundles'))}`,
    '',
  ].join('\n');
  const submit = [
    '#!/bin/bash', '# Submits the stages in order, each array starting only after every task of the one before succeeded.', 'set -euo pipefail',
    `cd ${shellWord(o.cwd)}`, `mkdir -p ${logs}`, 'after=""',
  ];
  for (const stage of [...stages, 'collect']) {
    const script = shellWord(path.join(o.dir, 'slurm', `${stage}.sbatch`));
    submit.push(`id=$(sbatch --parsable $after ${script}); id=\${id%%;*}; echo "${stage}: job $id"; after="--dependency=afterok:$id"`);
  }
  files['slurm/submit.sh'] = `${submit.join('\n')}\n`;
  return files;
}

/**
 * One Job manifest: Indexed with `n` completions, each pod running its line of the stage's list; or (n = null) the one
 * collect pod. JSON, which is YAML: `kubectl apply -f` reads it as is.
 */
function k8sJob(o: K8sOptions, stage: string, n: number | null): object {
  const mount = path.isAbsolute(o.dir) ? o.dir : path.posix.join(o.workdir, o.dir);
  const command = n === null
    ? `${o.launcher} collect ${shellWord(o.dir)} --out ${shellWord(path.join(o.dir, 'bundles'))}`
    : lineOf(o.dir, stage, 'JOB_COMPLETION_INDEX');
  const counts = n === null ? { completions: 1, backoffLimit: 1 } : { completionMode: 'Indexed', completions: n, parallelism: Math.min(n, o.parallelism ?? n), backoffLimit: 3 * n };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(o.plan, stage), labels: { app: 'mat-edge', 'mat-edge/stage': stage } },
    spec: {
      ...counts,
      template: {
        metadata: { labels: { app: 'mat-edge', 'mat-edge/stage': stage } },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'job',
            image: o.image,
            workingDir: o.workdir,
            // Pod i runs line i + 1 of the stage's list, unchanged (JOB_COMPLETION_INDEX is set by the Indexed Job).
            command: ['sh', '-c', command],
            volumeMounts: [{ name: 'sweep', mountPath: mount }],
          }],
          volumes: [{ name: 'sweep', persistentVolumeClaim: { claimName: o.volumeClaim } }],
        },
      },
    },
  };
}

/** Kubernetes: an Indexed Job per stage, a collect Job, and run.sh, which applies each after the previous one completed (kubectl wait). */
export function emitK8s(o: K8sOptions): Record<string, string> {
  const files: Record<string, string> = {};
  const stages = stagesWithJobs(o.jobs);
  const run = ['#!/bin/sh', '# Applies the stages in order: each Indexed Job starts once every index of the one before completed.', 'set -eu', 'dir=$(dirname "$0")'];
  for (const stage of stages) {
    const header = `# mat-edge sweep, stage ${stage}: ${stageJobs(o.jobs, stage).length} job(s), pod i runs line i + 1 of ${sweepFiles.stageList(o.dir, stage)}.\n`;
    files[`k8s/${stage}.yaml`] = `${header}${JSON.stringify(k8sJob(o, stage, stageJobs(o.jobs, stage).length), null, 2)}\n`;
  }
  files['k8s/collect.yaml'] = `# mat-edge sweep: collect (selection, calibration, bundles into ${path.join(o.dir, 'bundles')} on the volume).\n${JSON.stringify(k8sJob(o, 'collect', null), null, 2)}\n`;
  for (const stage of [...stages, 'collect']) {
    run.push(`kubectl apply -f "$dir/${stage}.yaml"`, `kubectl wait --for=condition=complete --timeout=-1s job/${jobName(o.plan, stage)}`);
  }
  files['k8s/run.sh'] = `${run.join('\n')}\n`;
  return files;
}
