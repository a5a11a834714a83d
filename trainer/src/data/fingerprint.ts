import { createHash } from 'node:crypto';
import { rawRow, type Dataset } from './types.js';

/**
 * sha256 of what a model learns from: the training rows as a client sends them, their labels, the class names and the
 * input layout. Two files both named train.csv get different fingerprints; the same data re-read gets the same one.
 * A bundle folder records it (manifest `dataset.fingerprint`) so that training on other data never silently replaces it.
 */
export function datasetFingerprint(data: Dataset): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ classNames: data.classNames, input: data.input.kind === 'features' ? data.input.featureNames : data.input }));
  const { train } = data;
  for (let i = 0; i < train.n; i++) {
    const r = rawRow(train, i);
    hash.update(new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
  }
  hash.update(new Uint8Array(train.y.buffer, train.y.byteOffset, train.y.byteLength));
  return hash.digest('hex');
}
