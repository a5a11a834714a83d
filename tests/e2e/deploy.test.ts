import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtureBundle } from '../fixtures/bundle/make-bundle.js';
import { PLAN_LIMITS } from '../../scripts/plan-limits.js';

const TSX = path.resolve('node_modules/.bin/tsx');

/** `npm run deploy -- --dry-run …` as the npm script runs it (never without --dry-run: nothing deploys from tests). */
async function dryRun(...extra: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['scripts/deploy.ts', '--dry-run', '--skip-typecheck', ...extra], { encoding: 'utf8' });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe('npm run deploy -- --dry-run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-deploy-'));
    // The production MODELS (mat-cmnist, erm-cmnist), as fixture bundles.
    await makeFixtureBundle(path.join(dir, 'good', 'mat-cmnist'), { id: 'mat-cmnist', algorithm: 'mat' });
    await makeFixtureBundle(path.join(dir, 'good', 'erm-cmnist'), { id: 'erm-cmnist', algorithm: 'erm', seed: 11 });
    await cp(path.join(dir, 'good'), path.join(dir, 'broken'), { recursive: true });
    const onnx = path.join(dir, 'broken', 'erm-cmnist', 'model.onnx');
    const bytes = await readFile(onnx);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(onnx, bytes);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes with verified bundles and the script under the Paid limit, warning about the placeholders', async () => {
    const { code, out } = await dryRun('--assets', path.join(dir, 'good'));
    expect(out).toMatch(/ok {4}bundle mat-cmnist@\S+ .* verifies/);
    expect(out).toMatch(/ok {4}bundle erm-cmnist@\S+ .* verifies/);
    expect(out).toMatch(/warn {2}wrangler\.toml \[env\.production\] still has REPLACE-ME in: vars\.DEMO_ORIGIN/);
    const size = /script \(wrangler deploy --dry-run --env production\): [\d.]+ KiB, gzip ([\d.]+) KiB, paid plan limit (\d+) KiB/.exec(out);
    expect(size, out).not.toBeNull();
    expect(Number(size![2])).toBe(PLAN_LIMITS.paid.scriptGzipKiB);
    expect(code, out).toBe(0);
    expect(out).toContain('dry run: every check passed');
  });

  it('fails on a bundle that does not verify and on a script over the Free plan limit, naming both', async () => {
    const { code, out } = await dryRun('--assets', path.join(dir, 'broken'), '--plan', 'free');
    expect(code, out).toBe(1);
    expect(out).toMatch(/ok {4}bundle mat-cmnist/);
    expect(out).toMatch(/FAIL {2}bundle erm-cmnist .*model\.onnx/);
    // The ORT wasm alone is over 3 MB compressed (docs/edge-stack.md Q6).
    expect(out).toMatch(/FAIL {2}script .* free plan limit 3072 KiB/);
    expect(out).not.toContain('every check passed');
  });
});
