import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLE_FILES } from '#shared';

/** Training would replace a bundle that was trained on other data. */
export class BundleReplaceRefused extends Error {
  override readonly name = 'BundleReplaceRefused';
}

/**
 * Refuses, before any training, to write over a bundle folder whose manifest records another dataset (by fingerprint;
 * by name for bundles written before fingerprints). A folder with no readable manifest is not a bundle and is not
 * guarded. `replace` (the CLI's `--replace`) lets the user say they mean it.
 */
export async function assertReplaceable(dir: string, dataset: { name: string; fingerprint: string }, replace: boolean): Promise<void> {
  if (replace) return;
  let existing: { dataset?: { name?: unknown; fingerprint?: unknown } };
  try {
    existing = JSON.parse(await readFile(path.join(dir, BUNDLE_FILES.manifest), 'utf8'));
  } catch {
    return;
  }
  const old = existing.dataset ?? {};
  const same = typeof old.fingerprint === 'string' ? old.fingerprint === dataset.fingerprint : old.name === dataset.name;
  if (same) return;
  throw new BundleReplaceRefused(
    `${dir} holds a bundle trained on other data (${String(old.name)}${typeof old.fingerprint === 'string' ? `, fingerprint ${old.fingerprint.slice(0, 12)}` : ''}); ` +
      'name this one with --name, write it elsewhere with --out, or pass --replace to overwrite it',
  );
}
