import { BUNDLE_FILES, MODEL_VERSION_PATTERN, parseModelRef, versionPrefix } from '#shared';
import type { Env, WorkerConfig } from '../env.js';
import { ApiError } from '../errors.js';
import { BundleRefused, loadBundle, type LoadedBundle } from './loader.js';
import { releaseRetired, retire, retiredCount } from './retire.js';
import { bundleSource, type BundleSource } from './source.js';

/** A bundle version storage holds that was refused; `reason` is for the operator only (GET /v1/models/:id). */
export interface Refusal {
  /** The refused version (its published name, else model.version), when known. */
  version: string | null;
  reason: string;
  at: number;
  /**
   * `refused`: the bytes failed verification (a pinned request for it is a 409); `missing`: nothing is published there
   * (no manifest.json; a 404); `unreadable`: storage failed, no verdict on the bytes (a 503, tried again).
   */
  kind: 'refused' | 'missing' | 'unreadable';
}

/**
 * What a model serves now. `ok` with a `refused` newer version is "degraded": the last known good bundle keeps
 * serving. Not `ok`: `reason` is safe to show anyone, `detail` (storage paths, digests, runtime messages) is not.
 */
export type BundleState =
  | { ok: true; bundle: LoadedBundle; refused: Refusal | null }
  | { ok: false; reason: string; detail: string; refused: Refusal | null };

/** Where a slot's bundle lives now: a folder and, for a published version, its name. */
interface Location {
  dir: string;
  version: string | null;
}

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

/**
 * Published versions other than the active ones kept loaded per isolate for requests that pin them (`id@version`),
 * least recently used out first: each holds an ORT session and its tables, and an isolate has 128 MB.
 */
export const MAX_PINNED_VERSIONS = 2;
/** Pinned slots remembered per isolate, most with nothing loaded (a version refused or never published). */
const MAX_PINNED_SLOTS = 16;

/** Per-isolate state of each model's active version, keyed by source, path and id. */
const slots = new Map<string, Slot>();
/** Per-isolate state of pinned versions (key + `@version`), in least-recently-used-first order. */
const pinned = new Map<string, Slot>();

const newSlot = (): Slot => ({ served: null, refused: null, checkedAt: -Infinity, check: null, checkStartedAt: 0 });

/**
 * One string that changes whenever any file of the bundle changes: the folder, and storage metadata (size, etag,
 * upload time) of manifest.json and every file a bundle can hold. Metadata only: no file is read or hashed until it
 * differs. `missing`: there is no manifest.json there.
 */
async function fingerprint(source: BundleSource, dir: string, served: LoadedBundle | null): Promise<{ print: string; missing: boolean }> {
  const names = [...new Set([...Object.values(BUNDLE_FILES), ...(served?.manifest.files.map((f) => f.path) ?? [])])].sort();
  const stats = await Promise.all(names.map((name) => source.stat(dir, name)));
  return { print: `${dir}|${names.map((name, i) => `${name}=${stats[i]}`).join(';')}`, missing: stats[names.indexOf(BUNDLE_FILES.manifest)] === 'missing' };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The active version of model `id`: the value of its key in the MODEL_VERSIONS KV namespace (`mat-edge activate`),
 * read at each storage check (so at most once per BUNDLE_TTL_SECONDS); no key (or no binding) serves `<path>/`.
 */
async function activeLocation(env: Env, id: string, path: string): Promise<Location> {
  const version = env.MODEL_VERSIONS ? await env.MODEL_VERSIONS.get(id) : null;
  if (version === null) return { dir: path, version: null };
  if (!MODEL_VERSION_PATTERN.test(version)) throw new Error(`MODEL_VERSIONS holds ${JSON.stringify(version.slice(0, 80))} for ${id}, not a version name`);
  return { dir: versionPrefix(path, version), version };
}

/** A replaced or evicted bundle: a published one stays loaded for pinned requests (bounded), any other is released. */
function setAside(pinKey: (version: string) => string, bundle: LoadedBundle): void {
  const key = pinKey(bundle.version);
  const existing = pinned.get(key);
  if (!bundle.published || existing?.served) {
    retire(bundle.session);
    return;
  }
  const slot = existing ?? newSlot();
  slot.served = bundle;
  slot.refused = null;
  slot.checkedAt = Date.now();
  pinned.delete(key);
  pinned.set(key, slot);
  evictPinned(key);
}

/** Keeps at most MAX_PINNED_VERSIONS loaded and MAX_PINNED_SLOTS remembered, dropping the least recently used first. */
function evictPinned(keep: string): void {
  let loaded = [...pinned.values()].filter((s) => s.served).length;
  for (const [key, slot] of pinned) {
    if (key === keep || slot.check) continue;
    if (loaded > MAX_PINNED_VERSIONS && slot.served) {
      retire(slot.served.session);
      pinned.delete(key);
      loaded--;
    } else if (pinned.size > MAX_PINNED_SLOTS && !slot.served) {
      pinned.delete(key);
    }
  }
}

/**
 * Compares storage with what is served and verifies a new version when it differs; a refused one never replaces the
 * served. `locate` says where the slot's bundle lives now (the active version may have moved); a version already
 * loaded for pinned requests with the same fingerprint is taken over instead of loaded again.
 */
async function revalidate(slot: Slot, source: BundleSource, id: string, locate: () => Promise<Location>, pinKey: ((version: string) => string) | null): Promise<void> {
  let where: Location, print: string, missing: boolean;
  try {
    where = await locate();
    ({ print, missing } = await fingerprint(source, where.dir, slot.served));
  } catch (e) {
    console.error(`bundle ${id}: storage could not be listed:`, message(e));
    slot.refused = { version: null, reason: `storage could not be read (${message(e)})`, at: Date.now(), fingerprint: null, kind: 'unreadable' };
    return;
  }
  if (slot.served?.fingerprint === print) {
    slot.refused = null;
    return;
  }
  if (slot.refused && slot.refused.fingerprint === print) return; // the same bytes were refused already
  if (missing && where.version !== null) {
    slot.refused = { version: where.version, reason: `version ${where.version} is not published (no ${source.describe(where.dir, BUNDLE_FILES.manifest)})`, at: Date.now(), fingerprint: print, kind: 'missing' };
    return;
  }
  const warm = pinKey && where.version !== null ? pinned.get(pinKey(where.version)) : undefined;
  try {
    let next: LoadedBundle;
    if (warm?.served?.fingerprint === print && !warm.check) {
      next = warm.served;
      pinned.delete(pinKey!(where.version!));
    } else {
      next = await loadBundle(source, id, where.dir, print, where.version);
    }
    if (slot.served) {
      if (pinKey) setAside(pinKey, slot.served);
      else retire(slot.served.session);
    }
    slot.served = next;
    slot.refused = null;
  } catch (e) {
    if (e instanceof BundleRefused) {
      slot.refused = { version: where.version ?? e.version, reason: e.message, at: Date.now(), fingerprint: print, kind: missing ? 'missing' : 'refused' };
    } else {
      console.error(`bundle ${id} failed to load:`, message(e));
      // Not a verdict on the bytes: fingerprint null, so the next check tries again.
      slot.refused = { version: where.version, reason: `could not be read from storage (${message(e)})`, at: Date.now(), fingerprint: null, kind: 'unreadable' };
    }
  }
}

/** Runs `revalidate` when the slot is due (at most one check at a time per slot); waits for it when nothing is served yet. */
async function refresh(slot: Slot, ttlSeconds: number, run: () => Promise<void>): Promise<void> {
  if (retiredCount()) await releaseRetired();
  const ttl = ttlSeconds * 1000;
  const due = Date.now() - slot.checkedAt >= (slot.served ? ttl : Math.min(ttl, RETRY_REFUSED_MS));
  if (due && (!slot.check || Date.now() - slot.checkStartedAt > CHECK_STALE_MS)) {
    const check: Promise<void> = run().finally(() => {
      slot.checkedAt = Date.now();
      if (slot.check === check) slot.check = null;
    });
    slot.check = check;
    slot.checkStartedAt = Date.now();
    await check;
  } else if (slot.check && !slot.served) {
    await slot.check;
  }
}

const PUBLIC_UNAVAILABLE = 'no valid bundle is loaded';

function stateOf(slot: Slot): BundleState {
  const refused = slot.refused && { version: slot.refused.version, reason: slot.refused.reason, at: slot.refused.at, kind: slot.refused.kind };
  if (slot.served) return { ok: true, bundle: slot.served, refused };
  return { ok: false, reason: PUBLIC_UNAVAILABLE, detail: refused?.reason ?? 'not loaded yet', refused };
}

type Resolved = { source: BundleSource; path: string; key: string } | BundleState;

function resolve(env: Env, config: WorkerConfig, id: string): Resolved {
  const model = config.models.find((m) => m.id === id);
  if (!model) return { ok: false, reason: `model "${id}" is not configured`, detail: `model "${id}" is not configured`, refused: null };
  const source = bundleSource(env, config.source);
  if (typeof source === 'string') return { ok: false, reason: 'the worker is misconfigured', detail: source, refused: null };
  return { source, path: model.path, key: `${config.source}:${model.path}:${id}` };
}

/**
 * The state of model `id`'s active version, loading it on first use. Storage is compared with the served bundle
 * after `config.ttlSeconds` (the active version in MODEL_VERSIONS, then every file's metadata, see `fingerprint`), so
 * a new bundle written to R2, or a new version activated, is verified and swapped in without a redeploy, and a broken
 * one is refused while the previous one keeps serving. The request that starts a check waits for it (its I/O belongs
 * to that request in workerd); requests arriving meanwhile are answered by the served bundle, or wait when there is
 * none yet.
 */
export async function bundleState(env: Env, config: WorkerConfig, id: string): Promise<BundleState> {
  const r = resolve(env, config, id);
  if ('ok' in r) return r;
  let slot = slots.get(r.key);
  if (!slot) {
    slot = newSlot();
    slots.set(r.key, slot);
  }
  const pinKey = (version: string) => `${r.key}@${version}`;
  const s = slot;
  await refresh(s, config.ttlSeconds, () => revalidate(s, r.source, id, () => activeLocation(env, id, r.path), pinKey));
  return stateOf(s);
}

/**
 * The state of version `version` of model `id` exactly: the active bundle when that is the version, else a pinned slot
 * of the published version (MAX_PINNED_VERSIONS kept loaded, least recently used out first), verified like the active one.
 */
export async function versionState(env: Env, config: WorkerConfig, id: string, version: string): Promise<BundleState> {
  const active = await bundleState(env, config, id);
  // The version responses name, published or not (an unversioned bundle's model.version), pins itself.
  if (active.ok && active.bundle.version === version) return active;
  const r = resolve(env, config, id);
  if ('ok' in r) return r;
  const key = `${r.key}@${version}`;
  const slot = pinned.get(key) ?? newSlot();
  pinned.delete(key); // re-inserted last: most recently used
  pinned.set(key, slot);
  const where = { dir: versionPrefix(r.path, version), version };
  await refresh(slot, config.ttlSeconds, () => revalidate(slot, r.source, id, async () => where, null));
  evictPinned(key);
  return stateOf(slot);
}

/**
 * The bundle a request asked for: `id` (its active version), `id@version` (that published version), or the active
 * model by default. 404 for a model not configured or a version not published, 409 for a version that failed
 * verification, 503 if the model has no valid bundle. The 409 and 503 name no storage path or digest; the operator
 * reads the reason on GET /v1/models/:id (or /v1/models/id@version).
 */
export async function requireBundle(env: Env, config: WorkerConfig, ref = config.active): Promise<LoadedBundle> {
  const { id, version } = parseModelRef(ref);
  if (!config.models.some((m) => m.id === id)) throw new ApiError(404, 'not_found', `unknown model "${id}"`);
  const state = version === null ? await bundleState(env, config, id) : await versionState(env, config, id, version);
  if (state.ok) return state.bundle;
  if (version !== null && state.refused?.kind === 'missing') throw new ApiError(404, 'not_found', `model "${ref}" is not published`);
  if (version !== null && state.refused?.kind === 'refused') {
    throw new ApiError(409, 'version_refused', `model "${ref}" failed verification and is never served (the reason: GET /v1/models/${ref})`);
  }
  const why = state.reason === PUBLIC_UNAVAILABLE ? `${PUBLIC_UNAVAILABLE} (the reason: GET /v1/models/${ref})` : state.detail;
  throw new ApiError(503, 'bundle_unavailable', `model "${ref}" is unavailable: ${why}`);
}

/** Keys of the pinned versions loaded now, least recently used first (tests, operators). */
export const pinnedVersionsLoaded = (): string[] => [...pinned].filter(([, s]) => s.served).map(([k]) => k);
