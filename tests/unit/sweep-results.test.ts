import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobList, shellWord, sweepFiles, type Job, type SweepPlan } from '../../trainer/src/pipeline/jobs.js';
import { readJobResult, writeJobResult } from '../../trainer/src/pipeline/jobs-results.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-sweep-results-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const plan: SweepPlan = {
  format: 'mat-edge-sweep/1', data: { kind: 'synthetic', noiseStd: 0.5, seed: 1234 }, fingerprint: '0'.repeat(64),
  algorithms: ['erm', 'mat'], bundles: ['mat'], sweep: 3, seeds: [5, 6], backend: 'wasm', selection: 'va_wga', xrmSelection: 'held-out', steps: null,
  memorization: { pairs: 2, epochs: 1 }, exemplars: 8, publishSamples: null, tag: 'synthetic',
};

describe('the job list', () => {
  it('has one job per XRM combination, algorithm combination and memorization model, per seed, with unique ids', () => {
    const jobs = jobList(plan);
    const count = (stage: Job['stage']) => jobs.filter((j) => j.stage === stage).length;
    expect([count('xrm'), count('algorithms'), count('memorization')]).toEqual([3 * 2, 2 * 3 * 2, 1 * 4 * 2]);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs.slice(0, 4).map((j) => j.id)).toEqual(['xrm-c0-s5', 'xrm-c1-s5', 'xrm-c2-s5', 'xrm-c0-s6']);
    expect(jobs.at(-1)).toEqual({ id: 'memorization-mat-m3-s6', stage: 'memorization', algorithm: 'mat', combination: null, seed: 6, model: 3 });
  });

  it('quotes a path for the shell only where it must', () => {
    expect(shellWord('runs/a-1')).toBe('runs/a-1');
    expect(shellWord("my runs/it's")).toBe(`'my runs/it'\\''s'`);
  });
});

describe('job result files', () => {
  const job = jobList(plan).find((j) => j.stage === 'memorization')! as Job & { stage: 'memorization' };

  it('give back exactly what was written: typed arrays bit for bit, NaN, ±Infinity and −0', async () => {
    const labelProbs = Float32Array.from([0.25, Number.NaN, -0, 1e-38, Number.POSITIVE_INFINITY]);
    await writeJobResult(root, 'plan-a', job, { labelProbs }, 1.5);
    const back = await readJobResult(root, 'plan-a', job);
    expect(back!.wallSeconds).toBe(1.5);
    expect(Buffer.from(back!.output.labelProbs.buffer).equals(Buffer.from(labelProbs.buffer))).toBe(true);
    const algo = jobList(plan).find((j) => j.stage === 'algorithms')! as Job & { stage: 'algorithms' };
    const run = {
      algorithm: 'erm' as const, hparams: { lr: 1e-3 }, seed: 5, combination: 0, steps: 2, wallSeconds: 0.1, selected: {},
      curve: [{ step: 0, loss: Number.NaN, va_avg: -0, va_wga: null, va_gi_wga: Number.NEGATIVE_INFINITY, te_avg: 1, te_wga: null, te_gi_wga: null }],
      final: { arch: { inputDim: 2, hidden: [], numClasses: 2, bias: true }, layers: [{ inDim: 2, outDim: 2, w: new Float32Array(4), b: null }] },
    };
    await writeJobResult(root, 'plan-a', algo, run as never, 0.1);
    expect((await readJobResult(root, 'plan-a', algo))!.output).toEqual(run);
    expect(Object.is((await readJobResult(root, 'plan-a', algo))!.output.curve[0].va_avg, -0)).toBe(true);
  });

  it('count as missing when absent, truncated, of another plan or of another job; no temporary file is left', async () => {
    const other = { ...job, id: 'memorization-mat-m0-s6' };
    expect(await readJobResult(root, 'plan-a', other)).toBeNull();
    expect(await readJobResult(root, 'plan-b', job)).toBeNull();
    await writeFile(sweepFiles.result(root, other.id), await readFile(sweepFiles.result(root, job.id)));
    expect(await readJobResult(root, 'plan-a', other)).toBeNull();
    const text = await readFile(sweepFiles.result(root, job.id), 'utf8');
    await writeFile(sweepFiles.result(root, job.id), text.slice(0, text.length - 10));
    expect(await readJobResult(root, 'plan-a', job)).toBeNull();
    expect((await readdir(path.join(root, 'results'))).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
