import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * Writes a folder of files atomically: everything goes into a hidden temporary sibling, which then
 * replaces `dir` by rename. A crash at any point leaves either the old folder or the new one, never a mix
 * (the old one is moved aside first and removed only after the new one is in place; if a crash falls
 * between those two renames, the next call puts the old folder back before doing anything else).
 */
export async function writeFolderAtomic(dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const parent = path.dirname(path.resolve(dir));
  const base = path.basename(dir);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${base}.tmp-${tag}`);
  const old = path.join(parent, `.${base}.old-${tag}`);
  await mkdir(parent, { recursive: true });
  await recoverInterrupted(dir);
  await mkdir(tmp);
  try {
    for (const [name, content] of Object.entries(files)) {
      if (name.includes('/') || name.startsWith('.')) throw new Error(`bundle file name must be plain: ${name}`);
      await writeFile(path.join(tmp, name), content);
    }
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      await rename(tmp, dir);
    } catch (e) {
      if (hadOld) await rename(old, dir);
      throw e;
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Restores `dir` from an `.old-*` sibling left by a crash between the two renames; drops stale temporaries. */
export async function recoverInterrupted(dir: string): Promise<void> {
  const parent = path.dirname(path.resolve(dir));
  const base = path.basename(dir);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  const exists = await stat(dir).then(() => true, () => false);
  for (const name of names) {
    if (!exists && name.startsWith(`.${base}.old-`)) {
      await rename(path.join(parent, name), dir);
      return recoverInterrupted(dir);
    }
  }
  for (const name of names) {
    if (name.startsWith(`.${base}.tmp-`) || (exists && name.startsWith(`.${base}.old-`))) {
      const pid = Number(name.split('-').at(-2));
      if (pid !== process.pid && !isAlive(pid)) await rm(path.join(parent, name), { recursive: true, force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
