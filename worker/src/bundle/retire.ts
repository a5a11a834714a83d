import type { ServedSession } from './loader.js';
import { RELEASE_GRACE_MS } from './release-grace.js';

export { RELEASE_GRACE_MS };

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
