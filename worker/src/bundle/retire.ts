import type { ServedSession } from './loader.js';

/**
 * A replaced session is released once no run is in flight on it and this long has passed: a request that took the
 * bundle just before the swap may not have started its run yet (request handlers await hashing before running).
 */
export const RELEASE_GRACE_MS = 10_000;

const retired: { session: ServedSession; at: number }[] = [];

/** Hands over the session of a bundle that was just replaced. */
export function retire(session: ServedSession, now = Date.now()): void {
  retired.push({ session, at: now });
}

/** Releases the replaced sessions nobody can still be using; returns how many it released. */
export async function releaseRetired(now = Date.now()): Promise<number> {
  const due = retired.filter((r) => !r.session.busy && now - r.at >= RELEASE_GRACE_MS);
  for (const r of due) retired.splice(retired.indexOf(r), 1);
  await Promise.all(due.map((r) => r.session.release().catch((e) => console.error('releasing a replaced ORT session failed:', String(e)))));
  return due.length;
}

/** Sessions replaced by a newer bundle and not yet released. */
export const retiredCount = (): number => retired.length;
