import { BUNDLE_FILES } from '#shared';
import type { Env, WorkerConfig } from '../env.js';
import { ApiError } from '../errors.js';
import { BundleRefused, loadBundle, type LoadedBundle } from './loader.js';
import { releaseRetired, retire, retiredCount } from './retire.js';
import { bundleSource, type BundleSource } from './source.js';

/** A bundle version storage holds that was refused; `reason` is for the operator only (GET /v1/models/:id). */
export interface Refusal {
  /** model.version of the refused bundle, when its manifest could be read. */
  version: string | null;
  reason: string;
  at: number;
}

/**
 * What a model serves now. `ok` with a `refused` newer version is "degraded": the last known good bundle keeps
 * serving. Not `ok`: `reason` is safe to show anyone, `detail` (storage paths, digests, runtime messages) is not.
 */
export type BundleState =
  | { ok: true; bundle: LoadedBundle; refused: Refusal | null }
  | { ok: false; reason: string; detail: string; refused: Refusal | null };

interface Slot {
  /** The last bundle that passed verification (last known good). */
  served: LoadedBundle | null;
  refused: (Refusal & { fingerprint: string | null }) | null;
  /** Date.now() of the last comparison with storage. */
  checkedAt: number;
  check: Promise<void> | null;
  /** Date.now() when `check` started: one that never settles (its request was cancelled) is replaced after CHECK_STALE_MS. */
  checkStartedAt: number;
}

const CHECK_STALE_MS = 30_000;

/** A model with nothing served is re-checked after this long at most (a bundle being uploaded becomes valid soon). */
const RETRY_REFUSED_MS = 5_000;

/** Per-isolate state, keyed by source and bundle path: one verification and one ORT session per bundle version. */
const slots = new Map<string, Slot>();

/**
 * One string that changes whenever any file of the bundle changes: storage metadata (size, etag, upload time) of
 * manifest.json and every file a bundle can hold. Metadata only: no file is read or hashed until it differs.
 */
async function fingerprint(source: BundleSource, path: string, served: LoadedBundle | null): Promise<string> {
  const names = [...new Set([...Object.values(BUNDLE_FILES), ...(served?.manifest.files.map((f) => f.path) ?? [])])].sort();
  const stats = await Promise.all(names.map((name) => source.stat(path, name)));
  return names.map((name, i) => `${name}=${stats[i]}`).join(';');
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Compares storage with what is served and verifies a new version when it differs; a refused one never replaces the served. */
async function revalidate(slot: Slot, source: BundleSource, id: string, path: string): Promise<void> {
  let print: string;
  try {
    print = await fingerprint(source, path, slot.served);
  } catch (e) {
    console.error(`bundle ${id}: storage could not be listed:`, message(e));
    slot.refused = { version: null, reason: `storage could not be read (${message(e)})`, at: Date.now(), fingerprint: null };
    return;
  }
  if (slot.served?.fingerprint === print) {
    slot.refused = null;
    return;
  }
  if (slot.refused && slot.refused.fingerprint === print) return; // the same bytes were refused already
  try {
    const next = await loadBundle(source, id, path, print);
    if (slot.served) retire(slot.served.session);
    slot.served = next;
    slot.refused = null;
  } catch (e) {
    if (e instanceof BundleRefused) {
      slot.refused = { version: e.version, reason: e.message, at: Date.now(), fingerprint: print };
    } else {
      console.error(`bundle ${id} failed to load:`, message(e));
      // Not a verdict on the bytes: fingerprint null, so the next check tries again.
      slot.refused = { version: null, reason: `could not be read from storage (${message(e)})`, at: Date.now(), fingerprint: null };
    }
  }
}

const PUBLIC_UNAVAILABLE = 'no valid bundle is loaded';

/**
 * The state of model `id`, loading it on first use. Storage is compared with the served bundle after
 * `config.ttlSeconds` (every file's metadata, see `fingerprint`), so a new bundle written to R2 is verified and
 * swapped in without a redeploy, and a broken one is refused while the previous one keeps serving. The request that
 * starts a check waits for it (its I/O belongs to that request in workerd); requests arriving meanwhile are answered
 * by the served bundle, or wait when there is none yet.
 */
export async function bundleState(env: Env, config: WorkerConfig, id: string): Promise<BundleState> {
  const model = config.models.find((m) => m.id === id);
  if (!model) return { ok: false, reason: `model "${id}" is not configured`, detail: `model "${id}" is not configured`, refused: null };
  const source = bundleSource(env, config.source);
  if (typeof source === 'string') return { ok: false, reason: 'the worker is misconfigured', detail: source, refused: null };
  const key = `${config.source}:${model.path}:${id}`;
  let slot = slots.get(key);
  if (!slot) {
    slot = { served: null, refused: null, checkedAt: -Infinity, check: null, checkStartedAt: 0 };
    slots.set(key, slot);
  }
  if (retiredCount()) await releaseRetired();

  const ttl = config.ttlSeconds * 1000;
  const due = Date.now() - slot.checkedAt >= (slot.served ? ttl : Math.min(ttl, RETRY_REFUSED_MS));
  if (due && (!slot.check || Date.now() - slot.checkStartedAt > CHECK_STALE_MS)) {
    const s = slot;
    const check: Promise<void> = revalidate(s, source, id, model.path).finally(() => {
      s.checkedAt = Date.now();
      if (s.check === check) s.check = null;
    });
    s.check = check;
    s.checkStartedAt = Date.now();
    await check;
  } else if (slot.check && !slot.served) {
    await slot.check;
  }
  const refused = slot.refused && { version: slot.refused.version, reason: slot.refused.reason, at: slot.refused.at };
  if (slot.served) return { ok: true, bundle: slot.served, refused };
  return { ok: false, reason: PUBLIC_UNAVAILABLE, detail: refused?.reason ?? 'not loaded yet', refused };
}

/**
 * The bundle a request asked for (the active one by default): 404 for a model not configured, 503 if none is valid.
 * The 503 names no storage path or digest; the operator reads the reason on GET /v1/models/:id.
 */
export async function requireBundle(env: Env, config: WorkerConfig, id = config.active): Promise<LoadedBundle> {
  if (!config.models.some((m) => m.id === id)) throw new ApiError(404, 'not_found', `unknown model "${id}"`);
  const state = await bundleState(env, config, id);
  if (!state.ok) {
    const why = state.reason === PUBLIC_UNAVAILABLE ? `${PUBLIC_UNAVAILABLE} (the reason: GET /v1/models/${id})` : state.detail;
    throw new ApiError(503, 'bundle_unavailable', `model "${id}" is unavailable: ${why}`);
  }
  return state.bundle;
}
