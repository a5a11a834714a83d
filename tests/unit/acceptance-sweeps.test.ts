import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeSweepFiles, sweepSizes, type SweepFile } from '../../trainer/src/cli/acceptance-command.js';
import type { SweepSizeRow } from '../../trainer/src/experiments/sweep-sizes.js';
import { sweepChecks, sweepMarkdown } from '../../trainer/src/experiments/sweep-table.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-sweeps-'));
afterAll(() => rm(root, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'trainer/src/cli/index.ts', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Rows of one dataset and XRM rule: test WGA per seed at each sweep size. */
function rows(dataset: string, rule: 'paper' | 'held-out', wga: Record<number, number[]>, xrmAt10 = 0): SweepSizeRow[] {
  return Object.entries(wga).flatMap(([sweep, values]) => values.map((testWorstGroup, seed) => ({
    dataset, rule, sweep: Number(sweep), seed, selection: 'va_wga' as const, xrmCombination: Number(sweep) === 10 ? xrmAt10 + seed : 0,
    matCombination: 0, valWorstGroup: testWorstGroup, testAverage: testWorstGroup + 0.05, testWorstGroup,
  })));
}

// The pattern: the paper's rule loses WGA at sweep 10 (beyond one std), the held-out rule keeps it.
const paper = rows('csv:planted', 'paper', { 1: [0.77, 0.79, 0.75], 3: [0.74, 0.75, 0.73], 10: [0.64, 0.65, 0.66] }, 7);
const heldOut = rows('csv:planted', 'held-out', { 1: [0.77, 0.79, 0.75], 3: [0.78, 0.77, 0.76], 10: [0.76, 0.8, 0.77] }, 4);

describe('acceptance --sweeps: the "more search never hurts" check and table', () => {
  it('compares the largest size with the smallest minus the larger std', () => {
    const [p, h] = sweepChecks([...paper, ...heldOut]);
    expect(p).toMatchObject({ rule: 'paper', small: 1, large: 10, pass: false });
    // sweep 1: mean 0.77, std 0.02; sweep 10: mean 0.65, std 0.01 ⇒ bound 0.75
    expect(p.bound).toBeCloseTo(0.75, 6);
    expect(p.largeWga).toBeCloseTo(0.65, 6);
    expect(h).toMatchObject({ rule: 'held-out', pass: true });
    // Within one std but below the mean still passes: 0.76 ≥ 0.77 − 0.02.
    expect(sweepChecks(rows('d', 'paper', { 1: [0.77, 0.79, 0.75], 10: [0.76, 0.76, 0.76] }))[0].pass).toBe(true);
  });

  it('tabulates mean ± std per size, the XRM picks at the largest size and the check', () => {
    const md = sweepMarkdown([...paper, ...heldOut]);
    expect(md).toContain('| data | MAT selection | XRM rule | sweep 1 | sweep 3 | sweep 10 | XRM picks at sweep 10 | sweep 10 ≥ sweep 1 − 1 std | seeds |');
    expect(md).toContain('| csv:planted | val groups | paper | 77.0 ± 2.0 | 74.0 ± 1.0 | 65.0 ± 1.0 | c7, c8, c9 | MISS (65.0 vs 75.0) | 3 |');
    expect(md).toMatch(/\| csv:planted \| val groups \| held-out \| 77\.0 ± 2\.0 \| 77\.0 ± 1\.0 \| 77\.7 ± 2\.1 \| c4, c5, c6 \| PASS/);
  });

  it('parses --sweeps and refuses a bad list naming the flag', () => {
    expect(sweepSizes('10,1,3,3')).toEqual([1, 3, 10]);
    expect(() => sweepSizes('1')).toThrow(/at least two sizes/);
    expect(() => sweepSizes('1,0')).toThrow(/--sweeps must be an integer in \[1, 100\], got "0"/);
    expect(() => sweepSizes('1,x')).toThrow(/got "x"/);
  });

  it('merges per-dataset files and tabulates them with --from, without training', async () => {
    const file = (rs: SweepSizeRow[], wallSeconds: number): SweepFile => ({ kind: 'sweeps', rows: rs, diagnoses: [], sweeps: [1, 3, 10], seeds: 3, limit: 10000, backend: 'blas', wallSeconds });
    const merged = mergeSweepFiles([file(paper, 100), file(heldOut, 50)]);
    expect(merged.rows).toHaveLength(paper.length + heldOut.length);
    expect(merged.wallSeconds).toBe(150);
    expect(merged.partial).toBeUndefined();
    expect(mergeSweepFiles([file(paper, 1), { ...file(heldOut, 1), partial: true }]).partial).toBe(true);
    expect(() => mergeSweepFiles([{ rows: [] } as unknown as SweepFile])).toThrow(/--sweeps … --out/);

    const [a, b] = [path.join(root, 'a.json'), path.join(root, 'b.json')];
    await writeFile(a, JSON.stringify(file(paper, 100)));
    await writeFile(b, JSON.stringify(file(heldOut, 50)));
    const r = await cli('acceptance', '--sweeps', '1,10', '--from', `${a},${b}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Only the sizes asked for: sweep 3 is left out of the table.
    expect(r.stdout).toContain('| data | MAT selection | XRM rule | sweep 1 | sweep 10 |');
    expect(r.stdout).not.toContain('sweep 3');
    expect(r.stdout).toMatch(/paper \| 77\.0 ± 2\.0 \| 65\.0 ± 1\.0 \| c7, c8, c9 \| MISS/);
    expect(r.stdout).toMatch(/held-out .* \| PASS/);
    const bad = await cli('acceptance', '--sweeps', '1,30', '--from', a);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/no rows for sweep size 30/);
  });
});
