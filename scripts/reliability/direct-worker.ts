/**
 * The worker as it deploys, run straight in workerd through Miniflare, without wrangler dev's proxy layer: the upload
 * `wrangler deploy --dry-run` makes (bundled JS + the ORT wasm module) with an R2 bucket `BUNDLES`. Used by the
 * reliability scripts' `--direct` mode, the fault suite and the serving benchmark.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { storeBindings } from '../../trainer/src/bundle/store.js';
import { WRANGLER_ENV } from '../../tests/e2e/wrangler-dev.js';

/** The R2 calls the scripts make (Miniflare's own type needs @cloudflare/workers-types). */
export interface Bucket {
  put(key: string, value: Uint8Array | string): Promise<unknown>;
  delete(key: string): Promise<void>;
  head(key: string): Promise<unknown>;
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
}

export interface DirectWorker {
  url: string;
  bucket: Bucket;
  dispose(): Promise<void>;
}

/** wrangler.toml's compatibility date, the one the deployed worker runs with. */
export async function compatibilityDate(): Promise<string> {
  const toml = await readFile('wrangler.toml', 'utf8');
  const date = /compatibility_date\s*=\s*"([^"]+)"/.exec(toml)?.[1];
  if (!date) throw new Error('wrangler.toml has no compatibility_date');
  return date;
}

/** Builds the deployable worker into `<work>/dist` (`wrangler deploy --dry-run --outdir`), with no static assets. */
export async function buildDeployedWorker(work: string): Promise<string> {
  const dist = path.join(work, 'dist'), assets = path.join(work, 'empty-assets');
  await mkdir(assets, { recursive: true });
  const built = spawnSync(path.resolve('node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', dist, '--assets', assets], { env: { ...process.env, ...WRANGLER_ENV }, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${built.stdout}${built.stderr}`);
  return dist;
}

/**
 * Starts a built worker in workerd on a free loopback port, bundles read from the R2 bucket (`BUNDLE_SOURCE=r2`), with
 * wrangler.toml's bucket and MODEL_VERSIONS namespace. `persistTo`: their storage on disk, the folder `wrangler dev
 * --persist-to` and `mat-edge publish --persist-to` use (in memory without it). `inspectorPort` opens workerd's V8
 * inspector there (bench/limits.ts reads the isolate's heap through it).
 */
export async function startDirectWorker(dist: string, bindings: Record<string, string>, opts: { inspectorPort?: number; persistTo?: string } = {}): Promise<DirectWorker> {
  const { persistTo } = opts;
  const { Miniflare } = await import('miniflare');
  const { bucketName, namespaceId } = await storeBindings();
  const mf = new Miniflare({
    // The modules listed, not discovered: Miniflare's module walker refuses the dynamic import() inside onnxruntime-web.
    modulesRoot: dist,
    modules: [
      { type: 'ESModule', path: path.join(dist, 'index.js') },
      ...(await readdir(dist)).filter((f) => f.endsWith('.wasm')).map((f) => ({ type: 'CompiledWasm' as const, path: path.join(dist, f) })),
    ],
    compatibilityDate: await compatibilityDate(),
    bindings: { ...bindings, BUNDLE_SOURCE: 'r2' },
    r2Buckets: { BUNDLES: bucketName },
    kvNamespaces: { MODEL_VERSIONS: namespaceId },
    ...(persistTo ? { defaultPersistRoot: path.join(path.resolve(persistTo), 'v3') } : {}),
    host: '127.0.0.1',
    port: 0,
    ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
  });
  const url = (await mf.ready).origin;
  const bucket = (await mf.getR2Bucket('BUNDLES')) as unknown as Bucket;
  return { url, bucket, dispose: () => mf.dispose() };
}
