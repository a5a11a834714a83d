import type { Prediction } from './api.js';
import type { Manifest } from './manifest.js';
import { argmax, percentileFromQuantiles, softmax } from './math.js';
import { neighbourMemorization, spuriousScores, twinDisagreement, type ExemplarTable } from './scores.js';

/** One input's row of the four ONNX outputs. */
export interface OutputRow {
  logits: ArrayLike<number>;
  embedding: ArrayLike<number>;
  twinA: ArrayLike<number>;
  twinB: ArrayLike<number>;
}

export interface RowOptions {
  /** Measured memorization score when the input is a training example (membership audit), else null. */
  memberScore: number | null;
  explain: boolean;
}

/** Everything the API says about one input, from the four model outputs and the bundle's calibration. */
export function scoreRow(out: OutputRow, manifest: Manifest, exemplars: ExemplarTable, opts: RowOptions): Prediction {
  const probabilities = softmax(out.logits);
  const label = argmax(probabilities);
  const sc = manifest.scores;
  const { score: neighbourScore, neighbours } = neighbourMemorization(out.embedding, exemplars, sc.neighbours.k, sc.neighbours.temperature);
  const memScore = opts.memberScore ?? neighbourScore;
  const sp = spuriousScores(label, out.twinA, out.twinB, manifest.calibration, sc);
  return {
    label,
    class_name: manifest.classNames[label],
    probabilities,
    memorization: {
      score: memScore,
      member: opts.memberScore !== null,
      percentile: percentileFromQuantiles(memScore, sc.quantiles.memorization, sc.quantileLevels),
      twin_disagreement: twinDisagreement(out.twinA, out.twinB),
      ...(opts.explain ? { nearest: neighbours.map(({ id, label: l, score, similarity }) => ({ id, label: l, score, similarity })) } : {}),
    },
    spurious: {
      ...sp,
      shortcut_class_name: manifest.classNames[sp.shortcut_label],
      percentile: percentileFromQuantiles(sp.reliance, sc.quantiles.reliance, sc.quantileLevels),
    },
  };
}
