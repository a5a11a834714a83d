import type { Architecture, Hparams } from '#shared';
import type { tf } from '../backend.js';
import type { Dataset } from '../data/types.js';
import type { InitScheme, Mlp } from '../model/mlp.js';
import type { RandomState } from '../random.js';
import type { XrmResult } from './xrm-result.js';

/** A minibatch of training examples, by index into the training split. */
export interface Batch {
  idx: Int32Array;
  x: tf.Tensor2D;
  /** Original labels (int32 tensor and host copy). */
  y: tf.Tensor1D;
  yHost: Int32Array;
}

export interface TrainingProfile {
  /** Short name shown in reports (e.g. "colored-mnist-mlp"). */
  name: string;
  hidden: number[];
  bias: boolean;
  init: InitScheme;
  optimizer: 'adam' | 'sgd';
  steps: number;
  checkpointFreq: number;
  /** Full-batch gradient descent (the synthetic experiment); batch_size is ignored then. */
  fullBatch: boolean;
}

export interface AlgorithmContext {
  data: Dataset;
  /** Training indices this run may train on (all of them, or a random half for memorization models). */
  trainIdx: Int32Array;
  arch: Architecture;
  profile: TrainingProfile;
  hp: Hparams;
  rng: RandomState;
  /** The selected XRM run; required by algorithms whose registry entry says `needsXrm`. */
  xrm: XrmResult | null;
}

/** DomainBed-style algorithm: one object per run, `update` once per minibatch. */
export interface Algorithm {
  /** The network evaluated at checkpoints and exported as the served model. */
  readonly predictor: Mlp;
  /** Work before the main loop (JTT's identification model). */
  prepare?(): Promise<void>;
  /** One optimisation step; returns the minibatch loss. */
  update(batch: Batch, step: number): number;
  /** Extra scalars logged at each checkpoint (XRM's flip rate). */
  checkpointLog?(): Record<string, number>;
  dispose(): void;
}
