import type { InputSpec } from '#shared';
import { RandomState } from '../random.js';
import { featureIntervention } from './shortcut.js';
import type { Dataset, Split } from './types.js';

export interface SyntheticOptions {
  /** σ_ε of the example-specific noise features (the paper's figure uses 0.5). */
  noiseStd?: number;
  /** Seed of the training split; validation and test use seed + 1 and seed + 2. */
  seed?: number;
}

const N = 1000;
const DIM = 1800;
const CORE_STD = 0.12;
const SPURIOUS_SCALE = 5;

/**
 * One split of the interpretable experiment (docs/method.md §4.1), drawing in the reference's order:
 * y, core ξ, spurious ξ, minority subset, then the noise block.
 */
function generateSplit(seed: number, majorityRate: number, noiseStd: number): Split {
  const rng = new RandomState(seed);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) y[i] = rng.bernoulli(0.5) ? 1 : 0;
  const core = Float64Array.from(y, (yi) => -(2 * yi - 1) + CORE_STD * rng.normal());
  const u = Float64Array.from(y, (yi) => -(2 * yi - 1) + CORE_STD * rng.normal());
  // Exactly ⌊(1 − p_maj)·n⌋ minority examples; in floating point that is 99 for p_maj = 0.9, as in the reference.
  const minority = rng.permutation(N).subarray(0, Math.floor((1 - majorityRate) * N));
  const spurious = Int32Array.from(y);
  for (const i of minority) {
    u[i] = -u[i];
    spurious[i] = 1 - y[i];
  }
  const x = new Float32Array(N * DIM);
  for (let i = 0; i < N; i++) {
    x[i * DIM] = core[i];
    x[i * DIM + 1] = SPURIOUS_SCALE * u[i];
    for (let j = 2; j < DIM; j++) x[i * DIM + j] = rng.normal(0, noiseStd);
  }
  return {
    n: N,
    d: DIM,
    x,
    y,
    group: Int32Array.from(y, (yi, i) => 2 * yi + spurious[i]),
    meta: { spurious, majority: Int32Array.from(y, (yi, i) => (spurious[i] === yi ? 1 : 0)) },
  };
}

/** Negates the spurious coordinate x_a of one raw input. */
export function flipSpurious(x: Float32Array): Float32Array {
  const out = Float32Array.from(x);
  out[1] = -out[1];
  return out;
}

/**
 * The paper's interpretable problem: x = [x_y, x_a, ε] with a core feature x_y, a 5× larger spurious feature x_a that agrees with
 * the class for 90% of training examples (50% in validation and test), and 1798 example-specific noise features.
 * Class 1 has negative means. Spurious label a = the class x_a was generated for; true group = 2·y + a.
 * @example buildSynthetic({ noiseStd: 0.5 }).train.meta.majority.filter((m) => m === 0).length // 99
 */
export function buildSynthetic(options: SyntheticOptions = {}): Dataset {
  const { noiseStd = 0.5, seed = 1234 } = options;
  const input: InputSpec = {
    kind: 'features',
    dim: DIM,
    featureNames: ['x_core', 'x_spurious', ...Array.from({ length: DIM - 2 }, (_, j) => `noise_${j}`)],
    preprocessing: { type: 'none' },
  };
  const train = generateSplit(seed, 0.9, noiseStd);
  return {
    name: `synthetic:${noiseStd}`,
    numClasses: 2,
    classNames: ['class 0', 'class 1'],
    groupNames: ['class 0 · spurious 0 (majority)', 'class 0 · spurious 1 (minority)', 'class 1 · spurious 0 (minority)', 'class 1 · spurious 1 (majority)'],
    input,
    train,
    val: generateSplit(seed + 1, 0.5, noiseStd),
    test: generateSplit(seed + 2, 0.5, noiseStd),
    counterfactual: { intervention: 'negate the spurious coordinate', apply: flipSpurious },
    // Declared as a user's numeric shortcut column would be: the class-balanced mirror of x_spurious (≈ its negation).
    intervention: featureIntervention(train, 2, 'x_spurious', 1, 'synthetic'),
  };
}
