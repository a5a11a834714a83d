import { MemorizationIndex } from './manifest.js';

/** A `members` key: the content hash of a training input (`contentHash`, 32 hex digits). */
const MEMBER_KEY = /^[0-9a-f]{32}$/;

/** Every key a content hash and every value a finite number: what `MemorizationIndex.members` accepts. */
function isMembers(members: unknown): members is Record<string, number> {
  if (members === null || typeof members !== 'object' || Array.isArray(members) || Object.getPrototypeOf(members) !== Object.prototype) return false;
  for (const key in members) {
    if (!Object.hasOwn(members, key)) return false;
    const v = (members as Record<string, unknown>)[key];
    if (!MEMBER_KEY.test(key) || typeof v !== 'number' || !Number.isFinite(v)) return false;
  }
  return true;
}

/**
 * `MemorizationIndex.safeParse` with a typed fast path for `members`, one entry per training example (50,000 for
 * Colored MNIST): zod builds a result per entry there, ~50 ms of a bundle load, where one loop checking each key and
 * value takes a few. When every entry passes that loop, the rest of the index goes through zod with `members` left
 * out, and the members come back as they were parsed; any other index goes to zod whole, so every refusal names the
 * same field with the same message. tests/unit/memorization-index.test.ts holds the two to the same answers.
 */
export function parseMemorizationIndex(raw: unknown): ReturnType<typeof MemorizationIndex.safeParse> {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const { members } = raw as { members?: unknown };
    if (isMembers(members)) {
      const rest = MemorizationIndex.safeParse({ ...raw, members: {} });
      if (rest.success) return { success: true, data: { ...rest.data, members } };
    }
  }
  return MemorizationIndex.safeParse(raw);
}
