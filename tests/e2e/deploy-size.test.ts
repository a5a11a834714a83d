import { expect, it } from 'vitest';
import { PLAN_LIMITS } from '../../scripts/plan-limits.js';
import { dryRunSize } from './wrangler-dev.js';

/** Cloudflare's Workers Paid limit on the compressed worker. */
const LIMIT_KIB = PLAN_LIMITS.paid.scriptGzipKiB;

it('`wrangler deploy --dry-run` bundle stays under 10 MB gzip', async () => {
  const { totalKiB, gzipKiB } = await dryRunSize();
  console.log(`wrangler deploy --dry-run --minify: ${totalKiB} KiB, gzip ${gzipKiB} KiB (limit ${LIMIT_KIB} KiB)`);
  expect(gzipKiB).toBeLessThan(LIMIT_KIB);
});
