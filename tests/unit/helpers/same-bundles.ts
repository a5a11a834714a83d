import { expect } from 'vitest';
import type { ReadBundle } from '../../../trainer/src/bundle/read.js';

/**
 * Two bundles of the same training run, however it was run (in this thread, on a pool, as sweep jobs then collect):
 * bitwise-identical model and memorization index, the same manifest numbers. Timestamps, wall times and the report
 * files (which print them) may differ.
 */
export function expectSameBundle(a: ReadBundle, b: ReadBundle): void {
  expect(Buffer.compare(a.files.get('model.onnx')!, b.files.get('model.onnx')!)).toBe(0);
  expect(b.memorization).toEqual(a.memorization);
  expect(b.manifest.metrics).toEqual(a.manifest.metrics);
  expect(b.manifest.scores).toEqual(a.manifest.scores);
  expect(b.manifest.memorization).toEqual(a.manifest.memorization);
  expect(b.manifest.training.selectedStep).toBe(a.manifest.training.selectedStep);
}
