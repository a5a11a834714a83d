import { defineConfig } from 'vitest/config';

/** Unit tests (Node): shared contract, trainer math, data validation, ONNX export parity. */
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
