import { BUNDLE_FORMAT_VERSION, QUANTILE_LEVELS } from '#shared';
import type { BundleContents } from '../../../trainer/src/bundle/write.js';

export interface FixtureOptions {
  /** Written into model.version, the description and every file, so two generations never share a file. */
  generation: number;
  modelBytes?: number;
  reportBytes?: number;
  /** input.dim of the manifest. */
  dim?: number;
}

/**
 * A schema-valid bundle whose files are filler (model.onnx is not a real graph): for integrity and atomicity tests,
 * which only look at bytes, sizes and sha256. Every file depends on `generation`.
 */
export function fixtureContents({ generation, modelBytes = 4096, reportBytes = 1024, dim = 4 }: FixtureOptions): BundleContents {
  const model = new Uint8Array(modelBytes).fill(generation % 251);
  new DataView(model.buffer).setFloat64(0, generation, true);
  const stamp = `generation ${generation}\n`;
  const zeros = QUANTILE_LEVELS.map(() => 0);
  return {
    manifest: {
      formatVersion: BUNDLE_FORMAT_VERSION,
      model: { id: 'fixture', version: String(generation), createdAt: new Date(0).toISOString(), description: stamp },
      dataset: { name: 'synthetic', numTrain: 1, numVal: 0, numTest: 0 },
      input: { kind: 'features', dim, featureNames: Array.from({ length: dim }, (_, j) => `f${j}`), preprocessing: { type: 'none' } },
      classNames: ['a', 'b'],
      groupNames: [],
      architecture: { family: 'mlp', inputDim: dim, hidden: [], numClasses: 2, bias: false, activation: 'relu', embeddingDim: dim },
      training: {
        algorithm: 'erm', hparams: {}, seed: 0, selectedStep: 0, selection: { metric: 'va_gi_wga', value: 0 },
        xrm: { hparams: {}, seed: 0, flipRate: 0, degenerate: false }, backend: 'cpu', wallSeconds: 0,
      },
      metrics: { val: { n: 0, trueGroups: null, inferredGroups: null }, test: { n: 0, trueGroups: null, inferredGroups: null } },
      calibration: { tau: 1, matrix: [[1, 0], [0, 1]], classPriors: [0.5, 0.5], epsilon: 1e-6 },
      scores: {
        quantileLevels: [...QUANTILE_LEVELS],
        quantiles: { memorization: zeros, twinDisagreement: zeros, reliance: zeros, shortcutConfidence: zeros },
        relianceBucketEdges: [1],
        sliceAccuracy: [],
        neighbours: { k: 1, temperature: 1 },
      },
      memorization: { estimator: { kind: 'twins', models: 2, fraction: 0.5 }, trainingExamples: 1, exemplars: 0, perGroup: [] },
    },
    model,
    memorization: {
      formatVersion: BUNDLE_FORMAT_VERSION,
      members: { [generation.toString(16).padStart(32, '0')]: 0.5 },
      exemplars: { count: 0, embeddingDim: dim, ids: [], labels: [], scores: [], inferredGroups: [], embeddings: '', inputs: null },
    },
    report: stamp + 'x'.repeat(Math.max(0, reportBytes - stamp.length)),
  };
}

/** readBundle options for these bundles: their model.onnx is filler, so the ONNX graph checks are left out. */
export const FILLER = { graph: false } as const;
