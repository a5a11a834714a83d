import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../../trainer/src/bundle/write.js';
import { fixtureContents } from './helpers/fixture-bundle.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-cli-'));
afterAll(() => rm(root, { recursive: true, force: true }));

interface Outcome { code: number; stdout: string; stderr: string }

/** Runs the CLI (node + tsx loader, no npx in between) and returns its exit code and output. */
function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'trainer/src/cli/index.ts', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('mat-edge CLI', () => {
  it('--help exits 0 and lists the verbs', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const verb of ['train', 'evaluate', 'report']) expect(r.stdout).toMatch(new RegExp(`^\\s+${verb}\\b`, 'm'));
    const e = await cli('evaluate', '--help');
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('--split <name>');
  });

  it('rejects bad train flags with a message naming the flag and the value', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--sweep', '0'], /--sweep must be an integer in \[1, 100\], got "0"/],
      [['train', '--backend', 'gpu'], /--backend must be one of auto, tensorflow, blas, wasm, cpu, got "gpu"/],
      [['train', '--algorithms', 'foo'], /unknown algorithm "foo"/],
      [['train', '--data', 'nope:x'], /unknown data source "nope:x"/],
      [['train', '--limit', 'many'], /--limit must be an integer/],
    ];
    const outcomes = await Promise.all(cases.map(([args]) => cli(...args)));
    outcomes.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(cases[i][1]);
      expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    });
  });

  it('rejects a CSV with a non-numeric cell before training, naming file, row and column', async () => {
    const file = path.join(root, 'bad.csv');
    await writeFile(file, 'f0,f1,label\n0.5,1.5,0\n0.25,abc,1\n1,2,0\n');
    const r = await cli('train', '--data', `csv:${file}`, '--out', path.join(root, 'never'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/row 3, column "f1"/);
    expect(r.stderr).toContain('abc');
    expect(r.stderr).not.toMatch(/XRM|steps\/s/); // failed before any training
  });

  it('evaluate and report refuse a missing, tampered or mismatched bundle with a clear message', async () => {
    const dir = path.join(root, 'fixture');
    await writeBundle(dir, { ...fixtureContents({ generation: 1, dim: 4 }), reportData: { title: 'x' } });
    const other = path.join(root, 'tampered');
    await writeBundle(other, fixtureContents({ generation: 2 }));
    const model = await readFile(path.join(other, 'model.onnx'));
    model[0] ^= 0xff;
    await writeFile(path.join(other, 'model.onnx'), model);

    const [missing, tampered, dim, split, inside, badReport] = await Promise.all([
      cli('evaluate', path.join(root, 'nowhere')),
      cli('evaluate', other),
      cli('evaluate', dir, '--data', 'synthetic'),
      cli('evaluate', dir, '--split', 'train'),
      cli('report', dir, '--out', path.join(dir, 'report.html')),
      cli('report', dir),
    ]);
    for (const r of [missing, tampered, dim, split, inside, badReport]) expect(r.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nowhere: manifest\.json: not found/);
    expect(tampered.stderr).toMatch(/model\.onnx: sha256 mismatch \(manifest [0-9a-f]{64}, file [0-9a-f]{64}\)/);
    expect(dim.stderr).toMatch(/input dim mismatch: bundle fixture expects 4 inputs .* has 1800/);
    expect(split.stderr).toMatch(/--split must be one of val, test, got "train"/);
    expect(inside.stderr).toMatch(/is inside the bundle/);
    expect(badReport.stderr).toMatch(/report\.json: does not match the report schema/);
    // The refused report did not touch the bundle.
    expect(await readFile(path.join(dir, 'report.html'), 'utf8')).toMatch(/^generation 1\n/);
  });
});
