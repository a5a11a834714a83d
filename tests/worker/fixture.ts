import type { Prediction } from '#shared';

/** What the Node-side global setup hands to the tests running inside workerd (`inject('fixture')`). */
export interface WorkerFixture {
  /** R2 objects to put before the tests: key → base64 bytes. */
  objects: Record<string, string>;
  /** The same bundles as folders, served through the static-assets binding. */
  bundleDir: string;
  /** fixture-mat on probe inputs, computed in Node (forwardMlp oracle, checked against onnxruntime) + shared scoreRow. */
  expected: {
    inputs: number[][];
    labels: number[];
    groups: number[];
    /** Which probe inputs are training members. */
    member: boolean[];
    /** Measured memorization of every training member of fixture-mat (the scale of a member's percentile). */
    memberScores: number[];
    predictions: Prediction[];
    /** The memorization block of each probe scored with its label (what /v1/evaluate computes). */
    labelledMemorization: Prediction['memorization'][];
    /** XRM cross-mistake bit of each probe for its label (either twin wrong), K = 2. */
    crossMistakes: boolean[];
  };
  dim: number;
}

/** Models the workerd tests configure (vitest.workers.config.ts); `fixture-alias` points at fixture-mat's files. */
export const TEST_MODELS = 'fixture-mat,fixture-erm,fixture-corrupt,fixture-badschema,fixture-badprobe,fixture-truncated,fixture-missing,fixture-alias=fixture-mat,fixture-nan';
export const TEST_KEYS = ['test-key-one', 'test-key-two'];
export const TEST_DEMO_ORIGIN = 'https://demo.example';

declare module 'vitest' {
  interface ProvidedContext {
    fixture: WorkerFixture;
  }
}
