import type { Command } from 'commander';
import { BUNDLE_FILES, BundleRefused, MODEL_ID_PATTERN, sha256Hex, verifyBundle, versionPrefix } from '#shared';
import { openGraph } from '../bundle/read.js';
import { openStore, type BundleStore } from '../bundle/store.js';
import { checkVersion, storeFrom, storeOptions, type StoreFlags } from './publish-command.js';

/**
 * Makes `version` the active version of model `id` (its key in MODEL_VERSIONS), after checking that it is published
 * and passes the full shared verification as stored (schema, every file's size and sha256, the ONNX graph and its
 * outputs on real rows, in onnxruntime). A version that fails is refused and the key is left as it was; the worker
 * verifies again before it serves anything. Returns the previous active version.
 */
export async function activateVersion(store: BundleStore, id: string, version: string): Promise<{ previous: string | null }> {
  if (!MODEL_ID_PATTERN.test(id)) throw new Error(`model id "${id}" is not lowercase letters, digits and dashes`);
  checkVersion(version);
  const prefix = versionPrefix(id, version);
  const previous = await store.activeVersion(id);
  const keep = `MODEL_VERSIONS is unchanged (${id}: ${previous ?? 'no active version'})`;
  if (!(await store.get(`${prefix}/${BUNDLE_FILES.manifest}`))) throw new Error(`${id}@${version} is not published (no ${store.describe(`${prefix}/${BUNDLE_FILES.manifest}`)}); ${keep}`);
  try {
    const v = await verifyBundle({ id, read: (file) => store.get(`${prefix}/${file}`), where: (file) => store.describe(`${prefix}/${file}`), sha256: sha256Hex, openGraph });
    await v.graph?.release?.();
  } catch (e) {
    if (e instanceof BundleRefused) throw new Error(`${id}@${version} fails verification, not activated: ${e.message}; ${keep}`);
    throw e;
  }
  await store.setActiveVersion(id, version);
  return { previous };
}

export function registerActivate(program: Command): void {
  storeOptions(program
    .command('activate')
    .description('make a published version the one the worker serves for a model (MODEL_VERSIONS in KV), after verifying it as stored')
    .argument('<model>', 'model id')
    .argument('<version>', 'a version published with mat-edge publish'))
    .action(async (id: string, version: string, opts: StoreFlags) => {
      const store = await openStore(storeFrom(opts));
      try {
        const { previous } = await activateVersion(store, id, version);
        console.log(`${id}: active version ${version} (was ${previous ?? 'none'}); the worker swaps at its next storage check (BUNDLE_TTL_SECONDS)`);
      } finally {
        await store.close();
      }
    });
}
