/**
 * The worker under test for `npm run fuzz` and `npm run soak`: the fixture bundles of the worker suite
 * (tests/fixtures/bundle) served by `wrangler dev` (workerd), and the memory of its workerd process, read from
 * /proc (workerd has no `process.memoryUsage`; the isolate's heap is part of the process's resident set).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeFixtureBundle } from '../../tests/fixtures/bundle/make-bundle.js';
import { buildDeployedWorker, startDirectWorker } from './direct-worker.js';
import { startWranglerDev } from '../../tests/e2e/wrangler-dev.js';
import type { FuzzContext } from '../../tests/worker/fuzz-cases.js';

export const MODELS = ['fixture-mat', 'fixture-erm'];

export interface FixtureWorker {
  url: string;
  /** How it is served, for the tables. */
  via: string;
  ctx: FuzzContext;
  /** Test inputs of the active model (valid rows). */
  inputs: number[][];
  /**
   * The workerd process running the worker: `wrangler dev` starts two below it (its proxy worker's and the user
   * worker's), and the user worker's is the one that grows by the ORT runtime once a bundle is loaded; so this sends
   * one valid request first, then takes the larger.
   */
  workerdPid(): Promise<number>;
  stop(): Promise<void>;
}

/** Descendants of `pid` (from /proc/<pid>/stat's parent field). */
export async function descendants(pid: number): Promise<{ pid: number; name: string }[]> {
  const procs: { pid: number; ppid: number; name: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      procs.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) });
    } catch {
      // exited meanwhile
    }
  }
  const out: { pid: number; name: string }[] = [];
  const walk = (p: number) => procs.filter((q) => q.ppid === p).forEach((q) => { out.push(q); walk(q.pid); });
  walk(pid);
  return out;
}

export interface Memory {
  /** Resident set now, MiB. */
  rssMiB: number;
  /** Peak resident set since start or since the last `resetPeak`, MiB. */
  peakMiB: number;
}

/** VmRSS and VmHWM of a process, in MiB. Throws when the process is gone (wrangler dev restarts workerd on a source change). */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => {
    throw new Error(`workerd process ${pid} is gone: restarted or crashed (wrangler dev restarts it when a source file changes)`);
  });
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** Resets the process's peak resident set (VmHWM) to its current one (Linux `clear_refs` 5), so a peak can be taken per request. */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

export interface Served {
  url: string;
  /** The process workerd runs below. */
  parent: number;
  stop(): Promise<void>;
}

/** The worker straight in workerd through Miniflare (direct-worker.ts), the bundles of `dir` put into its R2 bucket. */
export async function serveDirect(dir: string, vars: Record<string, string>): Promise<Served> {
  const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-direct-'));
  const worker = await startDirectWorker(await buildDeployedWorker(work), vars);
  for (const folder of await readdir(dir)) {
    for (const name of await readdir(path.join(dir, folder))) await worker.bucket.put(`${folder}/${name}`, new Uint8Array(await readFile(path.join(dir, folder, name))));
  }
  return {
    url: worker.url, parent: process.pid, stop: async () => {
      await worker.dispose();
      await rm(work, { recursive: true, force: true });
    },
  };
}

async function serveWranglerDev(dir: string, vars: Record<string, string>): Promise<Served> {
  const server = await startWranglerDev({ assetsDir: dir, vars: { ...vars, BUNDLE_SOURCE: 'assets' } });
  return { url: server.url, parent: server.pid, stop: server.stop };
}

/**
 * Builds the two fixture bundles and serves them: under `wrangler dev` (static-assets binding), or with `direct`
 * straight in workerd through Miniflare (R2 binding), to tell wrangler's dev layer from the runtime.
 */
export async function startFixtureWorker(opts: { direct?: boolean } = {}): Promise<FixtureWorker> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-reliability-'));
  const mat = await makeFixtureBundle(path.join(dir, MODELS[0]), { id: MODELS[0], algorithm: 'mat', preprocessing: 'standardize' });
  await makeFixtureBundle(path.join(dir, MODELS[1]), { id: MODELS[1], algorithm: 'erm', seed: 11 });
  const key = `reliability-${Math.random().toString(36).slice(2)}`;
  const vars = { MODELS: MODELS.join(','), ACTIVE_MODEL: MODELS[0], API_KEYS: key, DEMO_ORIGIN: 'https://demo.example', BUNDLE_TTL_SECONDS: '60' };
  const server = opts.direct ? await serveDirect(dir, vars) : await serveWranglerDev(dir, vars);
  let pid: number | null = null;
  const workerdPid = async () => {
    if (pid !== null) return pid;
    const warm = await fetch(`${server.url}/v1/predict`, {
      method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: [mat.test[0].input] }),
    });
    if (warm.status !== 200) throw new Error(`warm-up request failed: ${warm.status} ${await warm.text()}`);
    const sized = await Promise.all((await descendants(server.parent)).filter((p) => p.name === 'workerd').map(async (p) => ({ pid: p.pid, ...(await memoryOf(p.pid)) })));
    if (!sized.length) throw new Error('no workerd process found');
    pid = sized.sort((a, b) => b.rssMiB - a.rssMiB)[0].pid;
    return pid;
  };
  return {
    url: server.url,
    via: opts.direct ? 'workerd directly (Miniflare, no wrangler dev layer)' : 'wrangler dev (workerd)',
    ctx: { dim: mat.manifest.input.dim, good: mat.test[0].input, key, models: MODELS },
    inputs: mat.test.map((t) => t.input),
    workerdPid,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
