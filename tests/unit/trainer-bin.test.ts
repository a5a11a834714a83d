import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { bin?: Record<string, string> };
const links = await mkdtemp(path.join(tmpdir(), 'mat-edge-bin-'));
afterAll(() => rm(links, { recursive: true, force: true }));

const VERBS = ['train', 'validate-scores', 'evaluate', 'report', 'acceptance'];

/** Executes `file` itself (its shebang and mode, as npm's bin link does) and returns exit code and output. */
function exec(file: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('mat-edge bin (npx mat-edge)', () => {
  it('package.json names the launcher, which runs the CLI and lists every verb', async () => {
    expect(pkg.bin?.['mat-edge']).toBe('bin/mat-edge.mjs');
    const r = await exec(path.resolve(pkg.bin!['mat-edge']), '--help');
    expect(r.code).toBe(0);
    for (const verb of VERBS) expect(r.stdout).toMatch(new RegExp(`^\\s+${verb}\\b`, 'm'));
  });

  it('works through a symlink (node_modules/.bin) and passes on the CLI exit code and message', async () => {
    const link = path.join(links, 'mat-edge');
    await symlink(path.resolve('bin/mat-edge.mjs'), link);
    const help = await exec(link, 'train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--algorithms');
    const bad = await exec(link, 'train', '--sweep', '0');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--sweep must be an integer in \[1, 100\], got "0"/);
  });
});
