import type { Command } from 'commander';
import { datasetFingerprint } from '../data/fingerprint.js';
import { describeFeatureChoice, loadDataset } from '../data/index.js';
import { jobList, STAGES, stageJobs, sweepFiles, type SweepPlan } from '../pipeline/jobs.js';
import { emitK8s, emitSlurm } from '../pipeline/jobs-emit.js';
import { writeEmitted, writePlan } from '../pipeline/jobs-plan.js';
import { findJob, readPlan, runJob, runPending, sweepContext } from '../pipeline/jobs-run.js';
import { readJobResult } from '../pipeline/jobs-results.js';
import { selectionMetric, trainedAlgorithms } from '../pipeline/train.js';
import { withRunner } from '../pool/runner.js';
import { choice, defaultTag, intOption, workersOption } from './options.js';
import { jsonProgress, terminalProgress } from './progress-bar.js';
import { dataSpecOf, trainingOptions } from './train-command.js';

export function registerSweep(program: Command): void {
  trainingOptions(workersOption(program
    .command('sweep'))
    .description("write a training run's job list (one job per XRM combination, algorithm combination, memorization model and seed, in three stages) and run it on the local pool, or emit it for Slurm or Kubernetes"))
    .requiredOption('--out <dir>', 'sweep folder: sweep.json, jobs.json, jobs/<stage>.txt, results/<job>.json')
    .option('--seeds <n>', 'seeds --seed … --seed + n − 1, each a whole training run', intOption('--seeds', 1, 1000), 1)
    .option('--emit <scheduler>', 'write scheduler files instead of running: slurm (sbatch arrays) | k8s (Indexed Jobs)', choice('--emit', ['slurm', 'k8s'] as const))
    .option('--launcher <command>', 'how each job command starts the CLI where jobs run', 'npx mat-edge')
    .option('--image <ref>', 'k8s: container image with this repository and its node_modules', 'mat-edge:latest')
    .option('--volume-claim <name>', 'k8s: PersistentVolumeClaim holding the sweep folder, mounted where the commands expect it', 'mat-edge-sweeps')
    .option('--workdir <dir>', "k8s: the repository's folder in the image (the pods' working directory)", '/app')
    .option('--parallelism <n>', 'k8s: pods of one stage at once (default: all)', intOption('--parallelism', 1))
    .option('--json', 'print the summary as JSON on stdout; progress as JSON lines on stderr')
    .action(async (opts) => {
      const progress = opts.json ? jsonProgress() : terminalProgress();
      const data = await loadDataset(dataSpecOf(opts));
      if (data.featureChoice) progress.log(describeFeatureChoice(data.featureChoice));
      const plan: SweepPlan = {
        format: 'mat-edge-sweep/1',
        data: dataSpecOf(opts),
        fingerprint: datasetFingerprint(data),
        algorithms: trainedAlgorithms(data, opts.algorithms, opts.bundle, progress),
        bundles: opts.bundle,
        sweep: opts.sweep,
        seeds: Array.from({ length: opts.seeds }, (_, i) => opts.seed + i),
        backend: opts.backend,
        selection: selectionMetric(data, opts.selection),
        xrmSelection: opts.xrmSelection,
        steps: opts.steps ?? null,
        memorization: { pairs: opts.memorizationPairs, epochs: opts.memorizationEpochs },
        exemplars: opts.exemplars,
        publishSamples: opts.publishSamples ?? null,
        tag: opts.name ?? opts.tag ?? defaultTag(data.name),
      };
      // A bundled algorithm that does not train here would fail only at its memorization jobs: refuse it now.
      for (const name of plan.bundles) if (!plan.algorithms.includes(name)) throw new Error(`--bundle ${name}: ${name} does not train on ${data.name}${name === 'xrm' ? '' : ' (it needs training group labels)'}`);
      const dir: string = opts.out;
      const { hash, jobs } = await writePlan(dir, plan, opts.launcher);
      const counts = STAGES.map((s) => `${stageJobs(jobs, s).length} ${s}`).join(', ');
      if (opts.emit) {
        const base = { dir, plan, jobs, cwd: process.cwd(), launcher: opts.launcher };
        const files = opts.emit === 'slurm'
          ? emitSlurm(base)
          : emitK8s({ ...base, image: opts.image, volumeClaim: opts.volumeClaim, workdir: opts.workdir, parallelism: opts.parallelism });
        const written = await writeEmitted(dir, files);
        const submit = opts.emit === 'slurm' ? `${dir}/slurm/submit.sh` : `${dir}/k8s/run.sh`;
        if (opts.json) console.log(JSON.stringify({ dir, plan: hash, jobs: jobs.length, emitted: written, submit }, null, 2));
        else console.log(`${jobs.length} jobs (${counts}) in ${sweepFiles.jobs(dir)}\nwrote ${written.join(', ')}\nsubmit: ${submit}; then ${opts.launcher} collect ${dir}`);
        return;
      }
      const t0 = performance.now();
      const ctx = await sweepContext(dir, plan, hash, data, progress);
      progress.log(`sweep ${dir}: ${jobs.length} jobs (${counts}); backend ${ctx.backend}; ${opts.workers} worker${opts.workers === 1 ? '' : 's'}`);
      const stages = await withRunner({ data, progress, workers: opts.workers, backend: ctx.backend }, (runner) => runPending(ctx, runner));
      const wallSeconds = (performance.now() - t0) / 1000;
      if (opts.json) console.log(JSON.stringify({ dir, plan: hash, workers: opts.workers, wallSeconds, stages }, null, 2));
      else {
        for (const s of stages) console.log(`${s.stage.padEnd(12)} ${String(s.ran).padStart(4)} ran, ${String(s.skipped).padStart(4)} skipped (result already there), ${s.wallSeconds.toFixed(1)} s`);
        console.log(`wall time ${wallSeconds.toFixed(1)} s on ${opts.workers} worker${opts.workers === 1 ? '' : 's'}; next: ${opts.launcher} collect ${dir}`);
      }
    });

  program
    .command('job')
    .description("run one job of a sweep folder (what each line of its jobs/<stage>.txt runs); a job whose result is there and valid returns at once")
    .argument('<dir>', 'sweep folder written by mat-edge sweep')
    .argument('<id>', 'job id (jobs.json)')
    .action(async (dir: string, id: string) => {
      const progress = terminalProgress();
      const { plan, hash } = await readPlan(dir);
      const job = findJob(jobList(plan), dir, id);
      // Checked before the data is read: a resumed array or a restarted pod skips a finished job at once.
      if (await readJobResult(dir, hash, job)) {
        console.log(`${id}: result already there (${sweepFiles.result(dir, id)})`);
        return;
      }
      const t0 = performance.now();
      const ctx = await sweepContext(dir, plan, hash, await loadDataset(plan.data), progress);
      await withRunner({ data: ctx.data, progress, workers: 1, backend: ctx.backend }, (runner) => runJob(ctx, job, runner));
      console.log(`${id}: wrote ${sweepFiles.result(dir, id)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });
}
