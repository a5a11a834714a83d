import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { buildDemoClient } from './scripts/build-demo.mjs';
import { WRANGLER_ENV } from './tests/e2e/wrangler-dev.js';
import { TEST_DEMO_ORIGIN, TEST_KEYS, TEST_MODELS } from './tests/worker/fixture.js';

// No telemetry, cf.json fetch or update check, also when vitest is started without the npm script (docs/edge-stack.md Q5).
Object.assign(process.env, WRANGLER_ENV);
// The pool does not run wrangler.toml's [build] command: the demo page's client bundle is built here.
await buildDemoClient();

/**
 * The worker's tests inside workerd (@cloudflare/vitest-pool-workers 0.15): the bindings of the real wrangler.toml,
 * with the fixture bundles that tests/worker/global-setup.ts builds in Node served both ways: as the static-assets
 * folder (overriding `assets.directory`) and as objects the tests put into the Miniflare R2 bucket.
 */
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        assets: { directory: inject('fixture').bundleDir },
        bindings: {
          MODELS: TEST_MODELS,
          ACTIVE_MODEL: 'fixture-mat',
          BUNDLE_SOURCE: 'r2',
          BUNDLE_TTL_SECONDS: '0',
          DEMO_ORIGIN: TEST_DEMO_ORIGIN,
          API_KEYS: TEST_KEYS.join(','),
        },
        ratelimits: { DEMO_LIMITER: { simple: { limit: 5, period: 60 } } },
      },
    })),
  ],
  test: {
    include: ['tests/worker/**/*.test.ts'],
    // One shared isolate: the 14 MB ORT wasm is imported once instead of once per file (≈ 10 s each). Files use
    // distinct client addresses for the rate limiter and idempotent R2 seeding, so sharing it is safe.
    isolate: false,
    maxWorkers: 1,
    globalSetup: ['tests/worker/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
