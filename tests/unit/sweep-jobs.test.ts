import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readBundle } from '../../trainer/src/bundle/read.js';
import type { TrainSummary } from '../../trainer/src/pipeline/train.js';
import { expectSameBundle } from './helpers/same-bundles.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-sweep-'));
afterAll(() => rm(root, { recursive: true, force: true }));

interface Outcome { code: number; stdout: string; stderr: string }

function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 280_000, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The CLI as `npx mat-edge` runs it (bin/mat-edge.mjs), with --json output parsed. */
async function cli<T>(...args: string[]): Promise<T> {
  const r = await run(process.execPath, ['bin/mat-edge.mjs', ...args, '--json']);
  if (r.code !== 0) throw new Error(`mat-edge ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as T;
}

/** A tiny training run: Colored MNIST 300 per split, 3 algorithms × 2 combinations, 2 memorization pairs. */
const RUN = [
  '--limit', '300', '--steps', '30', '--algorithms', 'erm,jtt,mat', '--bundle', 'mat,erm', '--sweep', '2',
  '--memorization-pairs', '2', '--memorization-epochs', '1', '--exemplars', '16', '--backend', 'wasm',
];

interface SweepSummary { workers: number; wallSeconds: number; stages: { stage: string; jobs: number; ran: number; skipped: number }[] }
interface CollectSummary { seeds: { seed: number; results: TrainSummary['results']; xrm: TrainSummary['xrm'] }[] }

describe('sweep on the local pool, then collect, gives the bundles train gives', () => {
  const sweepDir = path.join(root, 'sweep');
  let trained: TrainSummary, first: SweepSummary, resumed: SweepSummary, collected: CollectSummary;
  beforeAll(async () => {
    // train --seed 4 in this thread; the sweep covers seeds 3 and 4 on 2 pool workers.
    trained = await cli<TrainSummary>('train', ...RUN, '--seed', '4', '--workers', '1', '--out', path.join(root, 'trained'));
    first = await cli<SweepSummary>('sweep', ...RUN, '--seed', '3', '--seeds', '2', '--workers', '2', '--out', sweepDir);
    // A job killed before its rename leaves no file; a damaged file counts as missing: both run again, nothing else.
    await rm(path.join(sweepDir, 'results', 'jtt-c1-s4.json'));
    const damaged = path.join(sweepDir, 'results', 'memorization-mat-m2-s4.json');
    await writeFile(damaged, (await readFile(damaged, 'utf8')).slice(0, 1000));
    resumed = await cli<SweepSummary>('sweep', ...RUN, '--seed', '3', '--seeds', '2', '--workers', '2', '--out', sweepDir);
    collected = await cli<CollectSummary>('collect', sweepDir, '--out', path.join(root, 'collected'));
    console.log(`train (1 worker, 1 seed, with bundles) ${trained.wallSeconds.toFixed(1)} s; sweep (2 workers, 2 seeds, no bundles) ${first.wallSeconds.toFixed(1)} s`);
  }, 600_000);

  it('lists one job per XRM combination, algorithm combination and memorization model, per seed', () => {
    expect(first.workers).toBe(2);
    expect(first.stages.map((s) => [s.stage, s.jobs, s.ran])).toEqual([['xrm', 4, 4], ['algorithms', 12, 12], ['memorization', 16, 16]]);
  });

  it('a re-run runs only the jobs whose result file is missing or invalid', () => {
    expect(resumed.stages.map((s) => [s.stage, s.ran, s.skipped])).toEqual([['xrm', 0, 4], ['algorithms', 1, 11], ['memorization', 1, 15]]);
  });

  it('collect selects the same runs as train and writes bitwise-identical models and the same manifest numbers', async () => {
    const seed4 = collected.seeds.find((s) => s.seed === 4)!;
    expect(collected.seeds.map((s) => s.seed)).toEqual([3, 4]);
    expect(seed4.results).toEqual(trained.results);
    expect(seed4.xrm).toEqual(trained.xrm);
    for (const name of ['mat', 'erm']) {
      const a = await readBundle(path.join(root, 'trained', `${name}-cmnist`));
      const b = await readBundle(path.join(root, 'collected', 'seed-4', `${name}-cmnist`));
      expectSameBundle(a, b);
      expect(Object.keys(b.memorization.members)).toHaveLength(300);
      expect(b.manifest.training.hparams).toEqual(a.manifest.training.hparams);
    }
    // Seed 3 is a training run of its own: another model.
    const other = await readBundle(path.join(root, 'collected', 'seed-3', 'mat-cmnist'));
    expect(other.manifest.training.seed).toBe(3);
    expect(Buffer.compare(other.files.get('model.onnx')!, (await readBundle(path.join(root, 'trained', 'mat-cmnist'))).files.get('model.onnx')!)).not.toBe(0);
  });

  it('refuses a sweep of other options in a folder that holds one', async () => {
    const r = await run(process.execPath, ['bin/mat-edge.mjs', 'sweep', ...RUN, '--steps', '31', '--out', sweepDir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('holds a sweep of other options');
  });
});

describe('--emit slurm and --emit k8s: the same job lines, run unchanged by an array task or an indexed pod', () => {
  const dir = path.join(root, 'emit');
  const small = ['--limit', '200', '--steps', '10', '--algorithms', 'erm', '--bundle', 'erm', '--sweep', '2', '--memorization-pairs', '1', '--backend', 'wasm'];
  const launcher = `${process.execPath} bin/mat-edge.mjs`;
  let lists: Record<string, string[]>;
  beforeAll(async () => {
    await cli('sweep', ...small, '--out', dir, '--launcher', launcher, '--emit', 'slurm');
    await cli('sweep', ...small, '--out', dir, '--launcher', launcher, '--emit', 'k8s', '--image', 'registry.example/mat-edge:1', '--parallelism', '2');
    lists = {};
    for (const stage of ['xrm', 'algorithms', 'memorization']) lists[stage] = (await readFile(path.join(dir, 'jobs', `${stage}.txt`), 'utf8')).trimEnd().split('\n');
  }, 120_000);

  it('writes jobs.json with every exact command, and one list per stage', async () => {
    const jobs = JSON.parse(await readFile(path.join(dir, 'jobs.json'), 'utf8')) as { jobs: { id: string; stage: string; index: number; command: string }[] };
    expect(jobs.jobs.map((j) => j.id)).toEqual(['xrm-c0-s0', 'xrm-c1-s0', 'erm-c0-s0', 'erm-c1-s0', 'memorization-erm-m0-s0', 'memorization-erm-m1-s0']);
    for (const j of jobs.jobs) expect(lists[j.stage][j.index]).toBe(j.command);
    expect(lists.xrm[1]).toBe(`${launcher} job ${dir} xrm-c1-s0`);
  });

  it('slurm: an sbatch array per stage over its list, chained with afterok, that runs a job unchanged', async () => {
    for (const [stage, lines] of Object.entries(lists)) {
      const script = await readFile(path.join(dir, 'slurm', `${stage}.sbatch`), 'utf8');
      expect(script).toContain(`#SBATCH --array=0-${lines.length - 1}\n`);
      expect(script).toContain('$((SLURM_ARRAY_TASK_ID + 1))');
    }
    const submit = await readFile(path.join(dir, 'slurm', 'submit.sh'), 'utf8');
    expect(submit.match(/sbatch --parsable \$after [^\s)]+/g)).toEqual(['xrm', 'algorithms', 'memorization', 'collect'].map((s) => `sbatch --parsable $after ${path.join(dir, 'slurm', `${s}.sbatch`)}`));
    expect(submit).toContain('after="--dependency=afterok:$id"');
    for (const f of ['submit.sh', 'xrm.sbatch', 'collect.sbatch']) expect((await run('bash', ['-n', path.join(dir, 'slurm', f)])).code).toBe(0);
    // What Slurm does for array task 1 of the first stage: run the script with SLURM_ARRAY_TASK_ID set.
    const task = await run('bash', [path.join(dir, 'slurm', 'xrm.sbatch')], { SLURM_ARRAY_TASK_ID: '1' });
    expect(task.code, task.stderr).toBe(0);
    expect(task.stdout).toContain('xrm-c1-s0: wrote');
    const again = await run('bash', [path.join(dir, 'slurm', 'xrm.sbatch')], { SLURM_ARRAY_TASK_ID: '1' });
    expect(again.stdout).toContain('xrm-c1-s0: result already there');
    const unknown = await run(process.execPath, ['bin/mat-edge.mjs', 'job', dir, 'xrm-c9-s0']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no job "xrm-c9-s0"');
  }, 120_000);

  it('k8s: an Indexed Job per stage (valid YAML) whose pod i runs line i + 1 unchanged; collect refuses missing results by name', async () => {
    for (const [stage, lines] of Object.entries(lists)) {
      const job = parse(await readFile(path.join(dir, 'k8s', `${stage}.yaml`), 'utf8'));
      expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: lines.length, parallelism: 2 } });
      const container = job.spec.template.spec.containers[0];
      expect(container.image).toBe('registry.example/mat-edge:1');
      expect(container.volumeMounts[0].mountPath).toBe(dir);
      expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('mat-edge-sweeps');
    }
    expect(parse(await readFile(path.join(dir, 'k8s', 'collect.yaml'), 'utf8')).spec.completions).toBe(1);
    // What the Job controller does for index 0 of the first stage: the container's command with JOB_COMPLETION_INDEX set.
    const [cmd, ...args] = parse(await readFile(path.join(dir, 'k8s', 'xrm.yaml'), 'utf8')).spec.template.spec.containers[0].command as string[];
    const pod = await run(cmd, args, { JOB_COMPLETION_INDEX: '0' });
    expect(pod.code, pod.stderr).toBe(0);
    expect(await stat(path.join(dir, 'results', 'xrm-c0-s0.json'))).toBeTruthy();
    expect(await readdir(path.join(dir, 'results'))).toContain('xrm-c0-s0.json');
    const collect = await run(process.execPath, ['bin/mat-edge.mjs', 'collect', dir, '--out', path.join(root, 'never')]);
    expect(collect.code).not.toBe(0);
    expect(collect.stderr).toMatch(/collect needs the results of (xrm-c1-s0, )?erm-c0-s0, erm-c1-s0, memorization-erm-m0-s0, memorization-erm-m1-s0 \(missing or invalid/);
  }, 120_000);
});
