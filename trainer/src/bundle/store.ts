/**
 * The worker's bundle storage as `mat-edge publish` / `activate` reach it: the R2 bucket `BUNDLES` and the KV
 * namespace `MODEL_VERSIONS` of wrangler.toml. Locally through wrangler's own local bindings (`getPlatformProxy`, the
 * Miniflare storage `wrangler dev` persists under `--persist-to`, default .wrangler/state); remotely through
 * wrangler's R2 and KV commands (`--remote`), which use wrangler's login or CLOUDFLARE_API_TOKEN /
 * CLOUDFLARE_ACCOUNT_ID from the environment, so no S3 keys or extra client are needed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WRANGLER_ENV } from '../../../scripts/wrangler-env.mjs';

export const BUCKET_BINDING = 'BUNDLES';
export const VERSIONS_BINDING = 'MODEL_VERSIONS';

export interface BundleStore {
  /** Where a key lives, for messages (`r2://bucket/key`, local or remote). */
  describe(key: string): string;
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The version MODEL_VERSIONS names for a model, or null. */
  activeVersion(id: string): Promise<string | null>;
  setActiveVersion(id: string, version: string): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** wrangler.toml of the worker (its BUNDLES bucket and MODEL_VERSIONS namespace). */
  config?: string;
  /** The worker's deployed storage instead of the local one. */
  remote?: boolean;
  /** Local storage folder, as `wrangler dev --persist-to` takes it (default .wrangler/state next to the config). */
  persistTo?: string;
  /** A wrangler environment (`[env.<name>]`, e.g. production), whose own bindings then apply. */
  env?: string;
}

export interface StoreBindings {
  bucketName: string;
  namespaceId: string;
}

/** The R2 bucket and KV namespace wrangler.toml binds, or an error naming what is missing. */
export async function storeBindings(configPath = 'wrangler.toml', env?: string): Promise<StoreBindings> {
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({ config: configPath, ...(env ? { env } : {}) });
  const bucket = (config.r2_buckets as { binding: string; bucket_name?: string }[]).find((b) => b.binding === BUCKET_BINDING);
  const namespace = (config.kv_namespaces as { binding: string; id?: string }[]).find((n) => n.binding === VERSIONS_BINDING);
  if (!bucket?.bucket_name) throw new Error(`${configPath} binds no R2 bucket ${BUCKET_BINDING}`);
  if (!namespace?.id) throw new Error(`${configPath} binds no KV namespace ${VERSIONS_BINDING}`);
  return { bucketName: bucket.bucket_name, namespaceId: namespace.id };
}

/** The R2 and KV calls used here (the full types are the Workers runtime's). */
interface LocalEnv {
  BUNDLES: {
    get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
    put(key: string, value: Uint8Array): Promise<unknown>;
  };
  MODEL_VERSIONS: { get(key: string): Promise<string | null>; put(key: string, value: string): Promise<void> };
}

/** Opens the store `options` name. */
export async function openStore({ config = 'wrangler.toml', remote = false, persistTo, env }: StoreOptions = {}): Promise<BundleStore> {
  const b = await storeBindings(config, env);
  if (remote) return wranglerStore(config, b, ['--remote']);
  const { getPlatformProxy } = await import('wrangler');
  const root = path.resolve(persistTo ?? path.join(path.dirname(path.resolve(config)), '.wrangler/state'));
  Object.assign(process.env, WRANGLER_ENV);
  // `wrangler dev --persist-to X` keeps its Miniflare storage in X/v3; the proxy takes that folder itself.
  const proxy = await getPlatformProxy<LocalEnv>({ configPath: config, persist: { path: path.join(root, 'v3') }, remoteBindings: false, ...(env ? { environment: env } : {}) });
  const { BUNDLES, MODEL_VERSIONS } = proxy.env;
  return {
    describe: (key) => `r2://${b.bucketName}/${key} (local, ${root})`,
    get: async (key) => {
      const object = await BUNDLES.get(key);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    put: async (key, bytes) => void await BUNDLES.put(key, bytes),
    activeVersion: (id) => MODEL_VERSIONS.get(id),
    setActiveVersion: (id, version) => MODEL_VERSIONS.put(id, version),
    close: () => proxy.dispose(),
  };
}

const run = promisify(execFile);
const WRANGLER = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
const NOT_FOUND = /specified key does not exist/i;

/**
 * The store through wrangler's R2 and KV commands, one process per call (`flags`: `--remote`, or `--local
 * --persist-to DIR`, which reaches the same local storage as `openStore` does).
 */
export function wranglerStore(config: string, b: StoreBindings, flags: string[]): BundleStore {
  const wrangler = async (args: string[], encoding: 'buffer' | 'utf8') => run(process.execPath, [WRANGLER, ...args, '--config', config, ...flags], {
    env: { ...process.env, ...WRANGLER_ENV }, encoding, maxBuffer: 1 << 30,
  });
  const where = flags.includes('--remote') ? 'remote' : 'local';
  return {
    describe: (key) => `r2://${b.bucketName}/${key} (${where})`,
    get: async (key) => {
      try {
        const { stdout } = await wrangler(['r2', 'object', 'get', `${b.bucketName}/${key}`, '--pipe'], 'buffer');
        return new Uint8Array(stdout as unknown as Buffer);
      } catch (e) {
        const stderr = String((e as { stderr?: unknown }).stderr ?? '');
        if (NOT_FOUND.test(stderr)) return null;
        throw new Error(`wrangler r2 object get ${b.bucketName}/${key} failed: ${stderr.trim().slice(0, 500)}`);
      }
    },
    put: async (key, bytes) => {
      const dir = await mkdtemp(path.join(tmpdir(), 'mat-edge-publish-'));
      try {
        await writeFile(path.join(dir, 'object'), bytes);
        await wrangler(['r2', 'object', 'put', `${b.bucketName}/${key}`, '--file', path.join(dir, 'object')], 'utf8');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    activeVersion: async (id) => {
      const { stdout } = await wrangler(['kv', 'key', 'get', id, '--namespace-id', b.namespaceId, '--text'], 'utf8');
      const value = String(stdout).trim();
      return value === '' || /^Value not found/i.test(value) ? null : value;
    },
    setActiveVersion: async (id, version) => void await wrangler(['kv', 'key', 'put', id, version, '--namespace-id', b.namespaceId], 'utf8'),
    close: async () => undefined,
  };
}
