import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recoverInterrupted, writeFolderAtomic } from '../../trainer/src/bundle/atomic.js';
import { readBundle } from '../../trainer/src/bundle/read.js';
import { writeBundle } from '../../trainer/src/bundle/write.js';
import { RandomState } from '../../trainer/src/random.js';
import { FILLER, fixtureContents } from './helpers/fixture-bundle.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-atomic-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const WRITER = path.join(import.meta.dirname, 'helpers', 'atomic-writer.ts');

/** Names in a folder other than `keep` (temporaries and moved-aside folders left by a crash). */
async function leftovers(parent: string, keep: string): Promise<string[]> {
  return (await readdir(parent)).filter((name) => name !== keep);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pid of a process that has already exited (so recoverInterrupted sees its temporaries as stale). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('writeBundle / writeFolderAtomic', () => {
  it('replaces an existing bundle by a complete, valid one and leaves nothing beside it', async () => {
    const parent = path.join(root, 'replace');
    const dir = path.join(parent, 'bundle');
    await writeBundle(dir, fixtureContents({ generation: 1 }));
    await writeBundle(dir, fixtureContents({ generation: 2, modelBytes: 10_000 }));
    const b = await readBundle(dir, FILLER);
    expect(b.manifest.model.version).toBe('2');
    expect(b.model.byteLength).toBe(10_000);
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'memorization.json', 'model.onnx', 'report.html']);
    expect(await leftovers(parent, 'bundle')).toEqual([]);
  });

  it('throws on a schema-invalid manifest before the folder is touched', async () => {
    const parent = path.join(root, 'invalid');
    const dir = path.join(parent, 'bundle');
    await writeBundle(dir, fixtureContents({ generation: 1 }));
    const before = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    const mtime = (await stat(dir)).mtimeMs;
    const bad = fixtureContents({ generation: 2 });
    bad.manifest.model.id = 'Not A Valid Id';
    await expect(writeBundle(dir, bad)).rejects.toThrow(/model\.id|lowercase/);
    const badIndex = fixtureContents({ generation: 3 });
    badIndex.memorization.exemplars.count = 5;
    await expect(writeBundle(dir, badIndex)).rejects.toThrow(/must have count \(5\) entries/);
    expect(await readFile(path.join(dir, 'manifest.json'), 'utf8')).toBe(before);
    expect((await stat(dir)).mtimeMs).toBe(mtime);
    expect((await readBundle(dir, FILLER)).manifest.model.version).toBe('1');
    expect(await leftovers(parent, 'bundle')).toEqual([]);
    // A folder that did not exist is not created either.
    await expect(writeBundle(path.join(root, 'never', 'bundle'), bad)).rejects.toThrow();
    await expect(stat(path.join(root, 'never'))).rejects.toThrow(/ENOENT/);
  });

  it('recovers the previous bundle when a crash fell between the two renames', async () => {
    const parent = path.join(root, 'between');
    const dir = path.join(parent, 'bundle');
    await writeBundle(dir, fixtureContents({ generation: 1 }));
    // The state a writer killed right after `rename(dir, old)` leaves: no dir, the old one aside, the new one in tmp.
    const pid = await deadPid();
    await rename(dir, path.join(parent, `.bundle.old-${pid}-deadbeef`));
    await mkdir(path.join(parent, `.bundle.tmp-${pid}-deadbeef`));
    await recoverInterrupted(dir);
    expect((await readBundle(dir, FILLER)).manifest.model.version).toBe('1');
    expect(await leftovers(parent, 'bundle')).toEqual([]);
    // The next write starts from the recovered state and succeeds.
    await rename(dir, path.join(parent, `.bundle.old-${pid}-cafebabe`));
    await writeFolderAtomic(dir, { 'a.txt': 'new' });
    expect(await readdir(dir)).toEqual(['a.txt']);
    expect(await leftovers(parent, 'bundle')).toEqual([]);
  });

  it('SIGKILL at random moments of a 32 MB rewrite loop leaves the previous or the new bundle, never a mix', async () => {
    const parent = path.join(root, 'kill');
    const dir = path.join(parent, 'bundle');
    await writeBundle(dir, fixtureContents({ generation: 0, modelBytes: 24 << 20, reportBytes: 8 << 20 }));
    const rng = new RandomState(20240611);
    let last = 0;
    let killsMidWrite = 0;
    const KILLS = 8;
    for (let k = 0; k < KILLS; k++) {
      const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(last + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      let reported = last;
      const lines = createInterface({ input: child.stdout! });
      const ready = new Promise<void>((resolve) => lines.on('line', (line) => {
        if (line === 'ready') resolve();
        const m = /^wrote (\d+)$/.exec(line);
        if (m) reported = Number(m[1]);
      }));
      await ready;
      // Seeded schedule (k mod 4). 0, 2: any moment from start-up to several generations in. 1: a seeded 0–10 ms after a
      // temporary folder appears (inside file writes; a write phase lasts ~15 ms). 3: as soon as the old folder is moved
      // aside (between the renames or during its removal). Polling and waiting are synchronous: a timer's latency
      // is as long as a whole write phase.
      const deadline = performance.now() + 10_000;
      const poll = (found: (names: string[]) => boolean) => {
        while (!found(readdirSync(parent)) && performance.now() < deadline);
      };
      if (k % 2 === 0) await sleep(rng.uniform(0, 1500));
      else {
        await sleep(rng.uniform(0, 300));
        if (k % 4 === 1) {
          poll((names) => names.some((n) => n.startsWith('.bundle.tmp-')));
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, rng.uniform(0, 10));
        } else poll((names) => names.some((n) => n.startsWith('.bundle.old-')));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      if ((await leftovers(parent, 'bundle')).length > 0) killsMidWrite++;
      await recoverInterrupted(dir);
      const b = await readBundle(dir, FILLER); // every listed file present with its manifest size and sha256
      const generation = Number(b.manifest.model.version);
      // The last reported write, or the one after it when the kill fell between its final rename and the report.
      expect([reported, reported + 1]).toContain(generation);
      expect(generation).toBeGreaterThanOrEqual(last);
      expect(new DataView(b.model.buffer, b.model.byteOffset).getFloat64(0, true)).toBe(generation);
      expect(new TextDecoder().decode(b.files.get('report.html')!.subarray(0, 32))).toMatch(new RegExp(`^generation ${generation}\\n`));
      expect(await leftovers(parent, 'bundle')).toEqual([]);
      last = generation;
    }
    // The kills must have hit writes in flight (temporaries on disk), or this test proved nothing.
    expect(killsMidWrite).toBeGreaterThanOrEqual(KILLS / 2 - 1);
    console.log(`kill test: ${killsMidWrite}/${KILLS} kills hit a write in flight; last generation ${last}`);
    expect(last).toBeGreaterThan(0);
  });
});
