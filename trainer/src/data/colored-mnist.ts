import type { InputSpec, Intervention } from '#shared';
import { RandomState } from '../random.js';
import { headSplit } from './head.js';
import { loadMnist, type LabelledImages, type MnistSource } from './mnist.js';
import type { Dataset, Split } from './types.js';

/** Label-noise rate p_l and colour-noise rate p_c of one environment (docs/method.md §6.2). */
export interface EnvironmentRates {
  labelNoise: number;
  colourNoise: number;
}

export interface ColoredMnistVariantSpec {
  /** Class name in the XRM repository. */
  reference: string;
  /** Environments 1 and 2 of "tr" and "va". */
  environments: [EnvironmentRates, EnvironmentRates];
  test: EnvironmentRates;
  /** Which feature is the shortcut: swapping the colour is a counterfactual only when colour is spurious. */
  spurious: 'colour' | 'digit';
}

/** The four variants of docs/method.md §6.2. */
export const COLORED_MNIST_VARIANTS = {
  default: {
    reference: 'ColorMNIST',
    environments: [{ labelNoise: 0.25, colourNoise: 0.2 }, { labelNoise: 0.25, colourNoise: 0.1 }],
    test: { labelNoise: 0.25, colourNoise: 0.9 },
    spurious: 'colour',
  },
  inverse: {
    reference: 'InverseColorMNIST',
    environments: [{ labelNoise: 0.15, colourNoise: 0.2 }, { labelNoise: 0.15, colourNoise: 0.3 }],
    test: { labelNoise: 0.15, colourNoise: 0.9 },
    spurious: 'colour',
  },
  mcolor: {
    reference: 'MColor',
    environments: [{ labelNoise: 0.2, colourNoise: 0.15 }, { labelNoise: 0.3, colourNoise: 0.15 }],
    test: { labelNoise: 0.9, colourNoise: 0.15 },
    spurious: 'digit',
  },
  v3: {
    reference: 'ColorMNIST_V3',
    environments: [{ labelNoise: 0.2, colourNoise: 0.25 }, { labelNoise: 0.1, colourNoise: 0.25 }],
    test: { labelNoise: 0.9, colourNoise: 0.25 },
    spurious: 'digit',
  },
} as const satisfies Record<string, ColoredMnistVariantSpec>;

export type ColoredMnistVariant = keyof typeof COLORED_MNIST_VARIANTS;

export interface ColoredMnistOptions {
  variant?: ColoredMnistVariant;
  seed?: number;
  source?: MnistSource;
  /** Keep only the first n examples of each split after construction (fast tests). */
  limit?: { train?: number; val?: number; test?: number };
}

const SIDE = 14;
const PIXELS = SIDE * SIDE;
const DIM = 2 * PIXELS;
const CHANNEL_NAMES = ['red', 'green'];
const TRAIN_SIZE = 50_000;

/** Builds one environment's examples into `split` from offset `at` (steps 1–6 of docs/method.md §6.2). */
function makeEnvironment(source: LabelledImages, positions: Int32Array, rates: EnvironmentRates, env: number, rng: RandomState, split: Split, at: number): void {
  const { images, labels } = source;
  const n = positions.length;
  const clean = split.meta.clean, colour = split.meta.colour;
  for (let i = 0; i < n; i++) {
    clean[at + i] = labels[positions[i]] < 5 ? 1 : 0;
    split.y[at + i] = clean[at + i] ^ (rng.bernoulli(rates.labelNoise) ? 1 : 0);
  }
  for (let i = 0; i < n; i++) colour[at + i] = split.y[at + i] ^ (rng.bernoulli(rates.colourNoise) ? 1 : 0);
  const imageSize = images.rows * images.cols;
  for (let i = 0; i < n; i++) {
    const k = at + i, c = colour[k];
    const image = images.pixels.subarray(positions[i] * imageSize, (positions[i] + 1) * imageSize);
    const out = split.x.subarray(k * DIM + c * PIXELS, k * DIM + (c + 1) * PIXELS);
    for (let r = 0; r < SIDE; r++) for (let col = 0; col < SIDE; col++) out[r * SIDE + col] = image[2 * r * images.cols + 2 * col] / 255;
    split.group![k] = 2 * split.y[k] + c;
    split.meta.env[k] = env;
  }
}

function emptySplit(n: number): Split {
  return {
    n,
    d: DIM,
    x: new Float32Array(n * DIM),
    y: new Int32Array(n),
    group: new Int32Array(n),
    meta: { clean: new Int32Array(n), colour: new Int32Array(n), env: new Int32Array(n) },
  };
}

/** Positions 0, 2, 4, … (env 1) then 1, 3, 5, … (env 2) of `indices`. */
function byParity(indices: Int32Array): [Int32Array, Int32Array] {
  const even = indices.filter((_, i) => i % 2 === 0), odd = indices.filter((_, i) => i % 2 === 1);
  return [even, odd];
}

function buildSplit(source: LabelledImages, environments: Int32Array[], rates: readonly EnvironmentRates[], rng: RandomState): Split {
  const split = emptySplit(environments.reduce((s, e) => s + e.length, 0));
  let at = 0;
  environments.forEach((positions, env) => {
    makeEnvironment(source, positions, rates[env], env, rng, split, at);
    at += positions.length;
  });
  return split;
}

function range(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}

/** Swaps the two colour channels of one raw 2×14×14 input. */
/** The colour swap as the bundle declares it (red ↔ green: channel 0 takes channel 1's pixels and back). */
export const COLOUR_SWAP: Intervention = { kind: 'channel-permutation', column: 'colour', description: 'swap the colour channels (red ↔ green)', permutation: [1, 0], plane: PIXELS };

export function swapColour(x: Float32Array): Float32Array {
  const out = new Float32Array(DIM);
  out.set(x.subarray(PIXELS, DIM), 0);
  out.set(x.subarray(0, PIXELS), PIXELS);
  return out;
}

/**
 * Colored MNIST exactly as docs/method.md §6.2: tr = shuffled MNIST train 0..49,999, va = 50,000..59,999, te = MNIST test;
 * label y = (digit < 5) XOR Bernoulli(p_l), colour c = y XOR Bernoulli(p_c); true group = 2·y + c.
 * @example buildColoredMnist({ variant: 'inverse', seed: 0 }).train.n // 50000
 */
export function buildColoredMnist(options: ColoredMnistOptions = {}): Dataset {
  const { variant = 'default', seed = 0, source = 'mnist', limit = {} } = options;
  const spec: ColoredMnistVariantSpec = COLORED_MNIST_VARIANTS[variant];
  const mnist = loadMnist(source);
  const rng = new RandomState(seed);
  // The shuffle draws from its own stream, so the noise draws do not depend on it (the reference restores the RNG state).
  const shuffled = rng.fork().permutation(TRAIN_SIZE);
  const train = buildSplit(mnist.train, byParity(shuffled), spec.environments, rng);
  const val = buildSplit(mnist.train, byParity(range(TRAIN_SIZE, mnist.train.images.n)), spec.environments, rng);
  const test = buildSplit(mnist.test, [range(0, mnist.test.images.n)], [spec.test], rng);

  const noun = source === 'mnist' ? 'digit' : 'class';
  const classNames = [`${noun} ≥ 5`, `${noun} < 5`];
  const input: InputSpec = {
    kind: 'image', dim: DIM, channels: 2, height: SIDE, width: SIDE,
    channelNames: CHANNEL_NAMES, range: [0, 1], preprocessing: { type: 'none' },
  };
  return {
    name: `colored-${source}${variant === 'default' ? '' : `:${variant}`}`,
    numClasses: 2,
    classNames,
    groupNames: classNames.flatMap((cls) => CHANNEL_NAMES.map((colour) => `${cls} · ${colour}`)),
    input,
    train: limit.train === undefined ? train : headSplit(train, limit.train),
    val: limit.val === undefined ? val : headSplit(val, limit.val),
    test: limit.test === undefined ? test : headSplit(test, limit.test),
    ...(spec.spurious === 'colour' ? {
      counterfactual: { intervention: 'swap the colour channels', apply: swapColour },
      intervention: { spec: COLOUR_SWAP, why: 'Colored MNIST declares its colour swap (the colour is its spurious feature)' },
    } : {}),
  };
}
