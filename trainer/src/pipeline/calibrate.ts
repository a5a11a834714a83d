import {
  argmax, neighbourMemorization, QUANTILE_LEVELS, quantiles, relianceBucket, spuriousScores, twinDisagreement,
  type Calibration, type ExemplarTable, type ScoreCalibration,
} from '../../../shared/src/index.js';
import { outputRow, type SplitOutputs } from './outputs.js';

export const RELIANCE_BUCKET_EDGES = [0.25, 0.5, 0.75, 1];
export const NEIGHBOURS = { k: 10, temperature: 0.05 };

/** Per-input scores of every row of a split, by the same shared functions the worker serves. */
export interface RowScores {
  predicted: Int32Array;
  memorization: Float64Array;
  twinDisagreement: Float64Array;
  reliance: Float64Array;
  shortcutConfidence: Float64Array;
  shortcutLabel: Int32Array;
  conflict: Uint8Array;
}

export function scoreRows(o: SplitOutputs, cal: Calibration, exemplars: ExemplarTable, neighbours = NEIGHBOURS): RowScores {
  const s: RowScores = {
    predicted: new Int32Array(o.n), memorization: new Float64Array(o.n), twinDisagreement: new Float64Array(o.n),
    reliance: new Float64Array(o.n), shortcutConfidence: new Float64Array(o.n), shortcutLabel: new Int32Array(o.n), conflict: new Uint8Array(o.n),
  };
  for (let i = 0; i < o.n; i++) {
    const r = outputRow(o, i);
    const label = argmax(r.logits);
    const sp = spuriousScores(label, r.twinA, r.twinB, cal, null);
    s.predicted[i] = label;
    s.memorization[i] = neighbourMemorization(r.embedding, exemplars, neighbours.k, neighbours.temperature).score;
    s.twinDisagreement[i] = twinDisagreement(r.twinA, r.twinB);
    s.reliance[i] = sp.reliance;
    s.shortcutConfidence[i] = sp.shortcut_confidence;
    s.shortcutLabel[i] = sp.shortcut_label;
    s.conflict[i] = sp.conflict ? 1 : 0;
  }
  return s;
}

/** Validation quantiles of every score and accuracy per slice (ŷ, conflict, reliance bucket). */
export function scoreCalibration(s: RowScores, y: Int32Array, K: number): ScoreCalibration {
  const slices = new Map<string, { label: number; conflict: boolean; relianceBucket: number; n: number; hits: number }>();
  for (let label = 0; label < K; label++) for (const conflict of [false, true]) for (let b = 0; b < RELIANCE_BUCKET_EDGES.length; b++)
    slices.set(`${label}|${conflict}|${b}`, { label, conflict, relianceBucket: b, n: 0, hits: 0 });
  s.predicted.forEach((p, i) => {
    const slice = slices.get(`${p}|${s.conflict[i] === 1}|${relianceBucket(s.reliance[i], RELIANCE_BUCKET_EDGES)}`)!;
    slice.n++;
    if (p === y[i]) slice.hits++;
  });
  const levels = [...QUANTILE_LEVELS];
  return {
    quantileLevels: levels,
    quantiles: {
      memorization: quantiles(s.memorization, levels),
      twinDisagreement: quantiles(s.twinDisagreement, levels),
      reliance: quantiles(s.reliance, levels),
      shortcutConfidence: quantiles(s.shortcutConfidence, levels),
    },
    relianceBucketEdges: RELIANCE_BUCKET_EDGES,
    sliceAccuracy: [...slices.values()].map(({ hits, ...rest }) => ({ ...rest, accuracy: rest.n ? hits / rest.n : null })),
    neighbours: NEIGHBOURS,
  };
}
