/**
 * `mat-edge publish` / `activate` against wrangler's local R2 and KV bindings persisted to disk (the storage
 * `wrangler dev --persist-to` uses), and the swap under load in workerd reading that same storage (bench/swap.ts).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILES } from '#shared';
import { runSwap, swapReport } from '../../bench/swap.js';
import { BundleReadError } from '../../trainer/src/bundle/read.js';
import { openStore, storeBindings, wranglerStore, type BundleStore } from '../../trainer/src/bundle/store.js';
import { activateVersion } from '../../trainer/src/cli/activate-command.js';
import { publishBundle } from '../../trainer/src/cli/publish-command.js';
import { makeFixtureBundle } from '../fixtures/bundle/make-bundle.js';

const ID = 'fixture-mat';
const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-versions-'));
const state = path.join(work, 'state');
let store: BundleStore;
const b1 = path.join(work, 'b1'), b2 = path.join(work, 'b2');

beforeAll(async () => {
  await makeFixtureBundle(b1, { id: ID, version: '1.0.0', seed: 7 });
  await makeFixtureBundle(b2, { id: ID, version: '2.0.0', seed: 8 });
  store = await openStore({ persistTo: state });
});
afterAll(async () => {
  await store?.close();
  await rm(work, { recursive: true, force: true });
});

const files = [BUNDLE_FILES.manifest, BUNDLE_FILES.model, BUNDLE_FILES.memorization, BUNDLE_FILES.samples];

describe('mat-edge publish', () => {
  it("uploads every file under <model-id>/<version>/ (version from the manifest) and reads it back", async () => {
    const p = await publishBundle(b1, store);
    expect(p).toMatchObject({ id: ID, version: '1.0.0' });
    expect([...p.uploaded].sort()).toEqual([...files].sort());
    expect(p.uploaded.at(-1)).toBe(BUNDLE_FILES.manifest); // last: never a manifest ahead of its files
    for (const name of files) expect(await store.get(`${ID}/1.0.0/${name}`), name).toEqual(new Uint8Array(await readFile(path.join(b1, name))));
  });

  it('writes nothing for the same bytes again, and refuses other bytes under an existing version, naming it', async () => {
    expect((await publishBundle(b1, store)).uploaded).toEqual([]);
    await expect(publishBundle(b2, store, '1.0.0')).rejects.toThrow(/^fixture-mat@1\.0\.0 is already published with other bytes \(model\.onnx, .*manifest\.json at r2:\/\/mat-edge-bundles\/fixture-mat\/1\.0\.0\/.*publish under another --version$/);
    expect(await store.get(`${ID}/1.0.0/${BUNDLE_FILES.model}`)).toEqual(new Uint8Array(await readFile(path.join(b1, BUNDLE_FILES.model))));
  });

  it('refuses a broken bundle folder and a version name storage keys cannot carry, uploading nothing', async () => {
    const broken = path.join(work, 'broken');
    await cp(b1, broken, { recursive: true });
    const model = await readFile(path.join(broken, BUNDLE_FILES.model));
    model[model.length - 5] ^= 0x40;
    await writeFile(path.join(broken, BUNDLE_FILES.model), model);
    await expect(publishBundle(broken, store, 'broken')).rejects.toBeInstanceOf(BundleReadError);
    expect(await store.get(`${ID}/broken/${BUNDLE_FILES.manifest}`)).toBeNull();
    await expect(publishBundle(b2, store, '../x')).rejects.toThrow('version "../x" is not a version name');
  });
});

describe('mat-edge activate', () => {
  it('sets MODEL_VERSIONS only for a published version that verifies as stored', async () => {
    await expect(activateVersion(store, ID, '9.9')).rejects.toThrow(/^fixture-mat@9\.9 is not published \(no r2:\/\/mat-edge-bundles\/fixture-mat\/9\.9\/manifest\.json .*MODEL_VERSIONS is unchanged \(fixture-mat: no active version\)$/);
    expect(await activateVersion(store, ID, '1.0.0')).toEqual({ previous: null });
    expect(await store.activeVersion(ID)).toBe('1.0.0');

    await publishBundle(b2, store, 'rotted');
    const model = (await store.get(`${ID}/rotted/${BUNDLE_FILES.model}`))!.slice();
    model[model.length - 5] ^= 0x40;
    await store.put(`${ID}/rotted/${BUNDLE_FILES.model}`, model);
    await expect(activateVersion(store, ID, 'rotted')).rejects.toThrow(/^fixture-mat@rotted fails verification, not activated: model\.onnx: sha256 mismatch .*MODEL_VERSIONS is unchanged \(fixture-mat: 1\.0\.0\)$/);
    expect(await store.activeVersion(ID)).toBe('1.0.0');

    await publishBundle(b2, store);
    expect(await activateVersion(store, ID, '2.0.0')).toEqual({ previous: '1.0.0' });
    expect(await store.activeVersion(ID)).toBe('2.0.0');
  });

  it("wrangler's R2 and KV commands (the --remote path; here with --local) reach the same storage", async () => {
    const cli = wranglerStore('wrangler.toml', await storeBindings(), ['--local', '--persist-to', state]);
    expect(await cli.get(`${ID}/1.0.0/${BUNDLE_FILES.manifest}`)).toEqual(new Uint8Array(await readFile(path.join(b1, BUNDLE_FILES.manifest))));
    expect(await cli.get(`${ID}/nothing/${BUNDLE_FILES.manifest}`)).toBeNull();
    expect(await cli.activeVersion(ID)).toBe('2.0.0');
    await cli.put(`${ID}/cli/probe.txt`, new TextEncoder().encode('through wrangler r2 object put'));
    expect(new TextDecoder().decode((await store.get(`${ID}/cli/probe.txt`))!)).toBe('through wrangler r2 object put');
  });
});

describe('swap under load (npm run swap)', () => {
  it('v1 → v2 with 0 failed requests, every answer from exactly one version, @v1 pinned throughout; a corrupted version never active', async () => {
    const r = await runSwap({ afterMs: 1500 });
    console.log(swapReport(r).join('\n'));
    expect(r.active.failed + r.pinned.failed).toBe(0);
    expect(Object.keys(r.active.versions).sort()).toEqual(['v1', 'v2']);
    expect(r.active.identical).toBe(r.active.requests);
    expect(r.pinned).toMatchObject({ versions: { v1: r.pinned.requests }, identical: r.pinned.requests });
    expect([r.before, r.after, r.pinnedAfter]).toEqual(['v1', 'v2', 'v1']);
    expect(r.corruptActivate).toMatch(/fails verification, not activated/);
    expect(r.activeAfterRefusal).toBe('v2');
    expect(r.corruptServed).toEqual({ v2: 20 });
    expect(r.corruptHealth).toBe('degraded, serving v2, refused v3');
    expect(r.corruptPinnedStatus).toBe(409);
    expect(r.pass).toBe(true);
  });
});
