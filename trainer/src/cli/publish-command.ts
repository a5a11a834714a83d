import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { BUNDLE_FILES, BundleRefused, MODEL_VERSION_PATTERN, sha256Hex, verifyBundle, versionPrefix } from '#shared';
import { readBundle } from '../bundle/read.js';
import { openStore, type BundleStore, type StoreOptions } from '../bundle/store.js';

export interface Published {
  id: string;
  version: string;
  /** Files written now (none when the same bytes were already published). */
  uploaded: string[];
  /** Every file of the version, as read back and verified. */
  files: string[];
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));

/** A version name as storage keys take it, or an error naming it. */
export function checkVersion(version: string): string {
  if (!MODEL_VERSION_PATTERN.test(version)) throw new Error(`version "${version}" is not a version name (letters, digits, ".", "_", "-"; at most 64, starting with a letter or digit)`);
  return version;
}

/**
 * Publishes a verified bundle folder under `<model-id>/<version>/` (version: the manifest's model.version unless
 * given): refuses to overwrite an existing version whose bytes differ (naming it and the files), writes manifest.json
 * last (a reader never sees a manifest ahead of its files), then reads every file back and checks it with the shared
 * verifier (sizes and sha256 against the manifest) and manifest.json byte for byte.
 */
export async function publishBundle(dir: string, store: BundleStore, version?: string): Promise<Published> {
  const bundle = await readBundle(dir); // the full check, ONNX graph included: a broken bundle is never uploaded
  const id = bundle.manifest.model.id;
  const v = checkVersion(version ?? bundle.manifest.model.version);
  const manifestBytes = new Uint8Array(await readFile(path.join(dir, BUNDLE_FILES.manifest)));
  // Listed files first, manifest.json last.
  const files: [string, Uint8Array][] = [...bundle.files, [BUNDLE_FILES.manifest, manifestBytes]];
  const prefix = versionPrefix(id, v);
  const stored = await Promise.all(files.map(([name]) => store.get(`${prefix}/${name}`)));
  const differing = files.filter(([, bytes], i) => stored[i] !== null && !sameBytes(stored[i]!, bytes)).map(([name]) => name);
  if (differing.length) {
    throw new Error(`${id}@${v} is already published with other bytes (${differing.join(', ')} at ${store.describe(`${prefix}/`)}); a version is never overwritten: publish under another --version`);
  }
  const uploaded: string[] = [];
  for (const [i, [name, bytes]] of files.entries()) {
    if (stored[i] !== null) continue; // the same bytes are there (an earlier, maybe interrupted, publish)
    await store.put(`${prefix}/${name}`, bytes);
    uploaded.push(name);
  }

  const back = await store.get(`${prefix}/${BUNDLE_FILES.manifest}`);
  if (!back || !sameBytes(back, manifestBytes)) throw new Error(`${store.describe(`${prefix}/${BUNDLE_FILES.manifest}`)} does not read back as uploaded`);
  try {
    await verifyBundle({ id, read: (file) => store.get(`${prefix}/${file}`), where: (file) => store.describe(`${prefix}/${file}`), sha256: sha256Hex });
  } catch (e) {
    if (e instanceof BundleRefused) throw new Error(`${id}@${v} does not read back intact: ${e.message}`);
    throw e;
  }
  return { id, version: v, uploaded, files: files.map(([name]) => name) };
}

/** `--remote`, `--persist-to`, `--config`: where publish and activate reach the worker's storage. */
export function storeOptions(command: Command): Command {
  return command
    .option('--remote', "the deployed worker's R2 bucket and KV namespace (wrangler's login or CLOUDFLARE_API_TOKEN / CLOUDFLARE_ACCOUNT_ID)")
    .option('--local', 'the local storage `wrangler dev` uses (the default)')
    .option('--persist-to <dir>', 'local storage folder, as wrangler dev --persist-to takes it', '.wrangler/state')
    .option('--config <file>', 'the worker\'s wrangler config', 'wrangler.toml')
    .option('--env <name>', 'a wrangler environment of that config (e.g. production): its bucket and namespace');
}

export type StoreFlags = { remote?: boolean; local?: boolean; persistTo: string; config: string; env?: string };

export function storeFrom(opts: StoreFlags): StoreOptions {
  if (opts.remote && opts.local) throw new Error('give --local or --remote, not both');
  return { remote: Boolean(opts.remote), persistTo: opts.persistTo, config: opts.config, ...(opts.env ? { env: opts.env } : {}) };
}

export function registerPublish(program: Command): void {
  storeOptions(program
    .command('publish')
    .description("upload a verified bundle to the worker's R2 bucket under <model-id>/<version>/, then read it back and verify it")
    .argument('<bundleDir>', 'bundle folder')
    .option('--version <v>', "version name (default: the manifest's model.version)"))
    .action(async (dir: string, opts: StoreFlags & { version?: string }) => {
      const store = await openStore(storeFrom(opts));
      try {
        const p = await publishBundle(dir, store, opts.version);
        const what = p.uploaded.length ? `uploaded ${p.uploaded.length} file(s)` : 'already published with the same bytes';
        console.log(`${p.id}@${p.version}: ${what}; read back and verified ${p.files.length} file(s) at ${store.describe(`${versionPrefix(p.id, p.version)}/`)}`);
        console.log(`activate it: mat-edge activate ${p.id} ${p.version}${opts.remote ? ' --remote' : ''}`);
      } finally {
        await store.close();
      }
    });
}
