import type { Hparams } from '#shared';
import type { MlpWeights } from '../model/weights.js';

/** What one XRM run (docs/method.md §1) hands to MAT, to model selection and to the bundle. */
export interface XrmResult {
  hparams: Hparams;
  seed: number;
  /** Last logged flip rate (0 for a degenerate run, so it never wins selection). */
  flipRate: number;
  /** Held-out flip rate: share of validation examples the final twins confidently (π ≥ ½) contradict (0 if degenerate). */
  valFlipRate: number;
  degenerate: boolean;
  flipCurve: { step: number; flipRate: number }[];
  /** s_i = 1 when example i belongs to twin A. */
  assignment: Uint8Array;
  /** [n × K] held-out logits z^ho of every training example, from the final weights. */
  heldOutLogits: Float32Array;
  /** [n × K] in-sample logits z^hi (for the membership gap and analysis). */
  inSampleLogits: Float32Array;
  /** Cross-mistake bit e per example: either twin wrong on the original label. */
  crossMistakes: { train: Uint8Array; val: Uint8Array; test: Uint8Array };
  /** Final dynamic labels ỹ. */
  flippedLabels: Int32Array;
  twinA: MlpWeights;
  twinB: MlpWeights;
}
