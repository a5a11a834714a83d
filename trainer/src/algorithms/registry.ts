import type { Hparams } from '#shared';
import { RandomState } from '../random.js';
import { createErm } from './erm.js';
import { createGroupDro } from './group-dro.js';
import { createJtt } from './jtt.js';
import { createMat } from './mat.js';
import type { Algorithm, AlgorithmContext, TrainingProfile } from './types.js';
import { createXrm } from './xrm.js';

/** One knob: its default and how combination c draws it in a random search. */
export interface HparamSpec {
  default: number;
  /** `stream` is RandomState(c) shared by the knobs in declaration order; `c` allows a fresh stream. */
  sample: (stream: RandomState, c: number) => number;
}

export interface AlgorithmEntry {
  description: string;
  /** Needs training-group labels (GroupDRO). */
  needsGroups: boolean;
  /** Consumes the selected XRM run (MAT). */
  needsXrm: boolean;
  hparams: Record<string, HparamSpec>;
  create: (ctx: AlgorithmContext) => Algorithm;
}

const logUniform = (lo: number, hi: number) => (r: RandomState) => 10 ** r.uniform(lo, hi);

/**
 * Knobs every algorithm shares, per training profile (docs/method.md §2.6): drawn first, in this order, so that
 * combination c gets exactly the reference's lr / batch / weight decay.
 */
export function baseHparams(profile: TrainingProfile): Record<string, HparamSpec> {
  if (profile.fullBatch) {
    return { lr: { default: 1e-2, sample: logUniform(-3, -1) } };
  }
  return {
    lr: { default: 1e-3, sample: logUniform(-5, -3) },
    batch_size: { default: 64, sample: (r) => Math.floor(2 ** r.uniform(3, 6)) },
    weight_decay: { default: 1e-4, sample: logUniform(-6, -3) },
  };
}

/**
 * Every algorithm, by name. Adding one is a file in this folder plus its entry here (and the import): the names
 * (`AlgorithmName`), the CLI's checks and lists and the random search all come from this object.
 */
export const ALGORITHMS = {
  erm: { description: 'Empirical risk minimisation', needsGroups: false, needsXrm: false, hparams: {}, create: createErm },
  xrm: {
    description: 'XRM twins: environment discovery and held-out logits (phase 1)',
    needsGroups: false,
    needsXrm: false,
    hparams: {},
    create: createXrm,
  },
  mat: {
    description: 'Memorization-aware training: CE on f(x) + log p_ho(·|x)',
    needsGroups: false,
    needsXrm: true,
    hparams: {
      // τ is the first choice() of a fresh RandomState(c), independent of the other knobs (docs/method.md §2.6).
      tau: { default: 0.01, sample: (_r, c) => new RandomState(c).choice([0.001, 0.01, 0.1]) },
    },
    create: createMat,
  },
  'group-dro': {
    description: 'GroupDRO on the training group labels',
    needsGroups: true,
    needsXrm: false,
    hparams: { groupdro_eta: { default: 1e-2, sample: logUniform(-3, -1) } },
    create: createGroupDro,
  },
  jtt: {
    description: 'Just Train Twice: up-weight the errors of a short ERM run (annotation-free)',
    needsGroups: false,
    needsXrm: false,
    hparams: {
      jtt_upweight: { default: 20, sample: logUniform(0.7, 2) },
      jtt_id_fraction: { default: 0.2, sample: (r) => r.uniform(0.05, 0.5) },
    },
    create: createJtt,
  },
} satisfies Record<string, AlgorithmEntry>;

export type AlgorithmName = keyof typeof ALGORITHMS;

export function isAlgorithmName(name: string): name is AlgorithmName {
  return Object.hasOwn(ALGORITHMS, name);
}

/**
 * Hyper-parameters of an algorithm: defaults when `combination` is null, else the random-search draw
 * of combination c; `overrides` (e.g. from CLI flags) win either way.
 */
export function resolveHparams(name: AlgorithmName, profile: TrainingProfile, combination: number | null, overrides: Hparams = {}): Hparams {
  const entry: AlgorithmEntry = ALGORITHMS[name];
  const specs = { ...baseHparams(profile), ...entry.hparams };
  const stream = combination === null ? null : new RandomState(combination);
  const hp: Hparams = {};
  for (const [key, spec] of Object.entries(specs)) {
    hp[key] = stream && combination !== null ? spec.sample(stream, combination) : spec.default;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in specs)) throw new Error(`unknown hyper-parameter "${key}" for ${name}; known: ${Object.keys(specs).join(', ')}`);
    hp[key] = value;
  }
  return hp;
}
