import { defineConfig } from 'vitest/config';

/** Browser end-to-end test (Debian chromium + playwright-core) and the deploy-size check, against `wrangler dev`. */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
