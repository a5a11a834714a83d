/**
 * A replaced session is released once no run is in flight on it and this long has passed: a request that took the
 * bundle just before the swap may not have started its run yet (request handlers await hashing before running).
 * In a module of its own, with no imports, so that Node-side tools (bench/faults.ts) can read it.
 */
export const RELEASE_GRACE_MS = 10_000;
