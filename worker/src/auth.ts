import type { MiddlewareHandler } from 'hono';
import type { Env } from './env.js';
import { ApiError } from './errors.js';

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Digests of the configured keys, computed once per value of the secret. */
let keyDigests: { secret: string; digests: Promise<Uint8Array[]> } | null = null;

/**
 * Presented keys that matched, for the current secret: a key seen valid once is accepted again without a digest
 * (~0.5 ms of a request in workerd). Only configured keys ever enter it, so it stays as small as the secret.
 */
let acceptedKeys: { secret: string; keys: Set<string> } = { secret: '', keys: new Set() };

function configuredDigests(secret: string): Promise<Uint8Array[]> {
  if (keyDigests?.secret !== secret) {
    const keys = secret.split(',').map((k) => k.trim()).filter(Boolean);
    keyDigests = { secret, digests: Promise.all(keys.map(digest)) };
  }
  return keyDigests.digests;
}

/** Equal-length digests compared without an early exit, so timing says nothing about the key. */
function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * `Authorization: Bearer <key>` against the `API_KEYS` secret (comma-separated). Comparing SHA-256 digests in
 * constant time hides both the keys and their lengths; every configured key is compared. A key that matched is
 * remembered (for as long as the secret is unchanged) and accepted again by a set lookup, which compares strings only
 * on an equal seeded hash, so a wrong key still learns nothing from timing. 401 when no bearer key is
 * presented, 403 when it is not one of the keys. Keys never reach a response or a log.
 */
export const requireApiKey: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  if (!match) {
    throw new ApiError(401, 'unauthorized', 'an API key is required: Authorization: Bearer <key>', undefined, { 'WWW-Authenticate': 'Bearer' });
  }
  const secret = c.env.API_KEYS ?? '';
  if (acceptedKeys.secret !== secret) acceptedKeys = { secret, keys: new Set() };
  if (!acceptedKeys.keys.has(match[1])) {
    const presented = await digest(match[1]);
    let accepted = false;
    for (const known of await configuredDigests(secret)) accepted = sameDigest(presented, known) || accepted;
    if (!accepted) throw new ApiError(403, 'forbidden', 'the API key is not valid');
    acceptedKeys.keys.add(match[1]);
  }
  await next();
};
