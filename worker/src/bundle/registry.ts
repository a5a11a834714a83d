import { BUNDLE_FILES, sha256Hex } from '../../../shared/src/index.js';
import type { Env, WorkerConfig } from '../env.js';
import { ApiError } from '../errors.js';
import { BundleRefused, loadBundle, type LoadedBundle } from './loader.js';
import { bundleSource, type BundleSource } from './source.js';

export type BundleState = { ok: true; bundle: LoadedBundle } | { ok: false; reason: string };

interface Entry {
  state: Promise<BundleState>;
  /** Date.now() when the state was settled or last confirmed against storage. */
  checkedAt: number;
}

/** A refused or missing bundle is retried after this long at most (a bundle being uploaded becomes valid soon). */
const RETRY_REFUSED_MS = 5_000;

/** Per-isolate cache, keyed by source and bundle path: one verification and one ORT session per bundle. */
const cache = new Map<string, Entry>();

async function settle(source: BundleSource, id: string, path: string): Promise<BundleState> {
  try {
    return { ok: true, bundle: await loadBundle(source, id, path) };
  } catch (e) {
    if (e instanceof BundleRefused) return { ok: false, reason: e.message };
    console.error(`bundle ${id} failed to load:`, e instanceof Error ? e.message : String(e));
    return { ok: false, reason: `bundle ${id} could not be read from storage` };
  }
}

/** True when storage still holds the manifest the cached bundle was verified from. */
async function unchanged(source: BundleSource, path: string, bundle: LoadedBundle): Promise<boolean> {
  try {
    const bytes = await source.read(path, BUNDLE_FILES.manifest);
    return bytes !== null && (await sha256Hex(bytes)) === bundle.manifestSha256;
  } catch {
    return false;
  }
}

/**
 * The verified bundle of model `id`, loading it on first use. A loaded bundle is re-checked after
 * `config.ttlSeconds` by comparing manifest.json with storage, so a new bundle written to R2 (or redeployed
 * assets) is swapped in without a redeploy; a refused one is retried after at most a few seconds.
 */
export async function bundleState(env: Env, config: WorkerConfig, id: string): Promise<BundleState> {
  const model = config.models.find((m) => m.id === id);
  if (!model) return { ok: false, reason: `model "${id}" is not configured` };
  const source = bundleSource(env, config.source);
  if (typeof source === 'string') return { ok: false, reason: source };
  const key = `${config.source}:${model.path}:${id}`;
  const now = Date.now();
  const entry = cache.get(key);
  if (entry) {
    const state = await entry.state;
    const age = now - entry.checkedAt;
    const ttl = config.ttlSeconds * 1000;
    if (age < (state.ok ? ttl : Math.min(ttl, RETRY_REFUSED_MS))) return state;
    if (state.ok && (await unchanged(source, model.path, state.bundle))) {
      entry.checkedAt = Date.now();
      return state;
    }
    if (cache.get(key) !== entry) return bundleState(env, config, id);
  }
  const next: Entry = { state: settle(source, id, model.path), checkedAt: now };
  cache.set(key, next);
  // The replaced session is not released: a request may still be running on it (swaps are rare; its memory goes with the isolate).
  const state = await next.state;
  next.checkedAt = Date.now();
  return state;
}

/** The bundle a request asked for (the active one by default): 404 for a model not configured, 503 if refused. */
export async function requireBundle(env: Env, config: WorkerConfig, id = config.active): Promise<LoadedBundle> {
  if (!config.models.some((m) => m.id === id)) throw new ApiError(404, 'not_found', `unknown model "${id}"`);
  const state = await bundleState(env, config, id);
  if (!state.ok) throw new ApiError(503, 'bundle_unavailable', `model "${id}" is unavailable: ${state.reason}`);
  return state.bundle;
}
