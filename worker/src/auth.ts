import type { MiddlewareHandler } from 'hono';
import type { Env } from './env.js';
import { ApiError } from './errors.js';

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Digests of the configured keys, computed once per value of the secret. */
let keyDigests: { secret: string; digests: Promise<Uint8Array[]> } | null = null;

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
 * constant time hides both the keys and their lengths; every configured key is compared. 401 when no bearer key is
 * presented, 403 when it is not one of the keys. Keys never reach a response or a log.
 */
export const requireApiKey: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
  if (!match) {
    throw new ApiError(401, 'unauthorized', 'an API key is required: Authorization: Bearer <key>', undefined, { 'WWW-Authenticate': 'Bearer' });
  }
  const presented = await digest(match[1]);
  let accepted = false;
  for (const known of await configuredDigests(c.env.API_KEYS ?? '')) accepted = sameDigest(presented, known) || accepted;
  if (!accepted) throw new ApiError(403, 'forbidden', 'the API key is not valid');
  await next();
};
