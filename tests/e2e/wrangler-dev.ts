/**
 * Starts the worker in the real local runtime (`wrangler dev`, workerd) on free ports, serving bundle folders through
 * the static-assets binding, for the browser test and the benchmark. Vars and secrets go through an --env-file, so no
 * key appears on a command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const WRANGLER_ENV = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' };
const WRANGLER = path.resolve('node_modules/.bin/wrangler');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DevServer {
  url: string;
  /** Process id of wrangler (the leader of its process group; workerd runs below it). */
  pid: number;
  /** Milliseconds from spawning wrangler until the worker answered. */
  startupMs: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface DevOptions {
  /** Folder holding one sub-folder per bundle (`<model-id>/manifest.json`, …). */
  assetsDir: string;
  /** Vars and secrets (e.g. MODELS, ACTIVE_MODEL, API_KEYS). */
  vars: Record<string, string>;
  readyTimeoutMs?: number;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    process.kill(-child.pid!, 'SIGTERM');
  });
}

/**
 * `wrangler dev` of the root wrangler.toml with `assetsDir` as the assets folder. Ready once the worker answers
 * /openapi.json, a route that loads no bundle, so the first /v1/predict afterwards is still cold.
 */
export async function startWranglerDev(opts: DevOptions): Promise<DevServer> {
  const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-dev-'));
  const envFile = path.join(work, 'dev.env');
  await writeFile(envFile, Object.entries(opts.vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n'));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = spawn(WRANGLER, [
    'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort),
    '--assets', opts.assetsDir, '--env-file', envFile, '--persist-to', path.join(work, 'state'), '--show-interactive-dev-session=false',
  ], { env: { ...process.env, ...WRANGLER_ENV }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async () => {
    await stopProcess(child);
    await rm(work, { recursive: true, force: true });
  };

  const deadline = started + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/openapi.json`)).ok) return { url, pid: child.pid!, startupMs: Date.now() - started, logs: () => output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new Error(`wrangler dev did not become ready:\n${output}`);
}

/**
 * `wrangler deploy --dry-run --minify`: the upload wrangler would make, raw and gzip, in KiB; with `env`, that
 * environment's (e.g. `production`, as `npm run deploy` checks it).
 */
export async function dryRunSize(opts: { env?: string } = {}): Promise<{ totalKiB: number; gzipKiB: number; output: string }> {
  const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-dry-run-'));
  const emptyAssets = path.join(work, 'assets');
  await mkdir(emptyAssets);
  try {
    const output = await new Promise<string>((resolve, reject) => {
      // An empty assets folder: the bundles are uploaded as assets, not as part of the worker.
      const args = ['deploy', '--dry-run', '--minify', '--outdir', path.join(work, 'dist'), '--assets', emptyAssets, ...(opts.env ? ['--env', opts.env] : [])];
      const child = spawn(WRANGLER, args,
        { env: { ...process.env, ...WRANGLER_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler deploy --dry-run exited ${code}:\n${out}`))));
    });
    const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
    if (!match) throw new Error(`no "Total Upload" line in:\n${output}`);
    return { totalKiB: Number(match[1]), gzipKiB: Number(match[2]), output };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
