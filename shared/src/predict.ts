import type { Prediction } from './api.js';
import { counterfactualScores, decodeProbe, type DecodedProbe } from './counterfactual.js';
import type { CounterfactualProbe, Manifest, MemorizationIndex } from './manifest.js';
import { argmax, percentileFromQuantiles, softmax } from './math.js';
import {
  decodeExemplars, exemplarsByLabel, labelledMemorization, neighbourMemorization, shortcutPosterior, spuriousScores, twinDisagreement,
  type ExemplarTable,
} from './scores.js';

/** One input's row of the four ONNX outputs. */
export interface OutputRow {
  logits: ArrayLike<number>;
  embedding: ArrayLike<number>;
  twinA: ArrayLike<number>;
  twinB: ArrayLike<number>;
}

/** What a bundle's scorers need besides the manifest, decoded once per bundle load. */
export interface ServingTables {
  exemplars: ExemplarTable;
  /** The exemplars split by label, for the label-aware memorization of /v1/evaluate. */
  byLabel: ExemplarTable[];
  probe: DecodedProbe | null;
}

export function servingTables(exemplars: ExemplarTable, numClasses: number, probe: CounterfactualProbe | null | undefined): ServingTables {
  return { exemplars, byLabel: exemplarsByLabel(exemplars, numClasses), probe: probe ? decodeProbe(probe) : null };
}

/** The serving tables of a bundle (manifest + memorization index), decoded once per load. */
export function bundleTables(manifest: Manifest, exemplars: MemorizationIndex['exemplars']): ServingTables {
  return servingTables(decodeExemplars(exemplars), manifest.classNames.length, manifest.scores.counterfactualProbe);
}

export interface RowOptions {
  /** Measured memorization score when the input is a training example (membership audit), else null. */
  memberScore: number | null;
  /** The input's true label where the caller knows it (/v1/evaluate): memorization is then estimated for (x, y). */
  label?: number;
  explain: boolean;
}

/** Everything the API says about one input, from the four model outputs and the bundle's calibration. */
export function scoreRow(out: OutputRow, manifest: Manifest, tables: ServingTables, opts: RowOptions): Prediction {
  const probabilities = softmax(out.logits);
  const label = argmax(probabilities);
  const sc = manifest.scores;
  const { k, temperature } = sc.neighbours;
  const { score: neighbourScore, neighbours } = neighbourMemorization(out.embedding, tables.exemplars, k, temperature);
  const labelled = opts.memberScore === null && opts.label !== undefined;
  const memScore = opts.memberScore ?? (labelled ? labelledMemorization(probabilities, out.embedding, opts.label!, tables.byLabel, k, temperature) : neighbourScore);
  const memQuantiles = (labelled && sc.quantiles.labelledMemorization) || sc.quantiles.memorization;
  const sp = spuriousScores(label, out.twinA, out.twinB, manifest.calibration, sc);
  const cf = tables.probe ? counterfactualScores(tables.probe, out.logits, out.embedding, shortcutPosterior(out.twinA, out.twinB, manifest.calibration)) : null;
  return {
    label,
    class_name: manifest.classNames[label],
    probabilities,
    memorization: {
      score: memScore,
      member: opts.memberScore !== null,
      estimator: opts.memberScore !== null ? 'measured' : labelled ? 'label_and_neighbours' : 'neighbours',
      percentile: percentileFromQuantiles(memScore, memQuantiles, sc.quantileLevels),
      twin_disagreement: twinDisagreement(out.twinA, out.twinB),
      ...(opts.explain ? { nearest: neighbours.map(({ id, label: l, score, similarity }) => ({ id, label: l, score, similarity })) } : {}),
    },
    spurious: {
      ...sp,
      shortcut_class_name: manifest.classNames[sp.shortcut_label],
      percentile: percentileFromQuantiles(sp.reliance, sc.quantiles.reliance, sc.quantileLevels),
      counterfactual_change: cf ? cf.change : null,
      flip_probability: cf ? cf.flipProbability : null,
    },
  };
}
