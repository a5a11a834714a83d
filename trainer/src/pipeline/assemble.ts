import {
  BUNDLE_FORMAT_VERSION, decodeExemplars, inferredGroupNames, prepareIntervention, servingTables, type Calibration, type Publish, type Samples,
} from '#shared';
import { ALGORITHMS, type AlgorithmName } from '../algorithms/registry.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import { exportBundleOnnx } from '../bundle/onnx-export.js';
import type { BundleContents } from '../bundle/write.js';
import { rawRow, type Dataset } from '../data/types.js';
import { Mlp } from '../model/mlp.js';
import { RandomState } from '../random.js';
import { evaluateNet, inferredGroups } from '../train/evaluate.js';
import type { RunResult, SelectionMetric } from '../train/run.js';
import { bundleNetworks } from './bundle-networks.js';
import { scoreCalibration, scoreRows } from './calibrate.js';
import { clipScores, memorizationIndex, selectExemplars } from './exemplars.js';
import type { MemorizationMeasure } from './memorization.js';
import { interventionSplits, splitOutputs } from './outputs.js';
import { reliabilityBins } from './report-data.js';
import type { XrmSelection } from './xrm-selection.js';

export interface AssembleOptions {
  data: Dataset;
  name: AlgorithmName;
  run: RunResult;
  metric: SelectionMetric;
  xrm: XrmResult;
  /** The rule that kept `xrm` among the combinations. */
  xrmSelection: XrmSelection;
  calibration: Calibration;
  measure: MemorizationMeasure;
  backend: string;
  exemplars: number;
  seed: number;
  id: string;
  /** datasetFingerprint(data), recorded so that other data never silently replaces this bundle. */
  fingerprint: string;
  samples: Samples;
  /** What the public demo may show of this bundle's data. */
  publish: Publish;
}

/** Mean clipped memorization per group (true groups when annotated, XRM-inferred otherwise). */
function memorizationPerGroup(data: Dataset, scores: Float64Array, trainInferred: Int32Array) {
  const groups = data.train.group ?? trainInferred;
  const names = data.train.group ? data.groupNames : inferredGroupNames(data.classNames);
  return names.map((name, g) => {
    let sum = 0, n = 0;
    groups.forEach((v, i) => { if (v === g) { sum += scores[i]; n++; } });
    return { group: g, name, n, mean: n ? sum / n : 0 };
  });
}

/**
 * Everything one bundle holds but the report: the ONNX graph (selected model + XRM twins), the memorization index,
 * the score calibration measured on validation with the served score functions, metrics and the manifest.
 */
export async function assembleBundle(o: AssembleOptions): Promise<{ contents: Omit<BundleContents, 'report' | 'reportData'>; reliability: ReturnType<typeof reliabilityBins> }> {
  const { data, run, xrm } = o;
  const sel = run.selected[o.metric]!;
  const nets = bundleNetworks(sel.weights, xrm);
  const trainInferred = inferredGroups(data.train, xrm.crossMistakes.train);
  const scores = clipScores(o.measure.scores);
  const exemplarIdx = selectExemplars(scores, Math.min(o.exemplars, data.train.n), new RandomState(o.seed));
  const index = await memorizationIndex(data, splitOutputs(nets, data.train), scores, trainInferred, exemplarIdx, (i) => rawRow(data.train, i));
  const val = splitOutputs(nets, data.val);
  // The declared intervention is calibrated as it is served: the model's own outputs on the validation counterfactuals.
  const intervention = data.intervention ? prepareIntervention(data.intervention.spec, data.input.dim) : null;
  const tables = servingTables(decodeExemplars(index.exemplars), data.numClasses, null, intervention);
  const valCounterfactual = intervention ? interventionSplits(data, data.val, intervention).map((split) => splitOutputs(nets, split)) : null;
  const served = new Mlp(sel.weights.arch, sel.weights);
  const metrics = {
    val: evaluateNet(served, data, data.val, inferredGroups(data.val, xrm.crossMistakes.val)),
    test: evaluateNet(served, data, data.test, inferredGroups(data.test, xrm.crossMistakes.test)),
  };
  served.dispose();
  const now = new Date();
  return {
    reliability: reliabilityBins(val, data.val.y),
    contents: {
      manifest: {
        formatVersion: BUNDLE_FORMAT_VERSION,
        model: { id: o.id, version: now.toISOString().replace(/[-:]/g, '').slice(0, 15), createdAt: now.toISOString(), description: `${ALGORITHMS[o.name].description} on ${data.name}` },
        dataset: { name: data.name, fingerprint: o.fingerprint, ...(data.columns ? { columns: data.columns } : {}), numTrain: data.train.n, numVal: data.val.n, numTest: data.test.n },
        input: data.input,
        classNames: data.classNames,
        groupNames: data.groupNames,
        architecture: sel.weights.arch,
        training: {
          algorithm: o.name, hparams: run.hparams, seed: run.seed, selectedStep: sel.step, selection: { metric: o.metric, value: sel.value },
          xrm: { hparams: xrm.hparams, seed: xrm.seed, flipRate: xrm.flipRate, valFlipRate: xrm.valFlipRate, selection: o.xrmSelection, degenerate: xrm.degenerate },
          backend: o.backend, wallSeconds: 0,
        },
        metrics,
        calibration: o.calibration,
        scores: scoreCalibration(scoreRows(val, o.calibration, tables, data.val.y, undefined, valCounterfactual), data.val.y, data.numClasses, null, scores),
        memorization: {
          estimator: { kind: o.measure.models === 2 ? 'twins' : 'random-halves', models: o.measure.models, fraction: 0.5 },
          trainingExamples: data.train.n,
          exemplars: exemplarIdx.length,
          perGroup: memorizationPerGroup(data, scores, trainInferred),
        },
        ...(data.intervention ? { intervention: data.intervention.spec } : {}),
        publish: o.publish,
      },
      model: exportBundleOnnx(nets, { docString: `mat-edge ${o.name} on ${data.name}`, exemplars: tables.exemplars, counterfactualRows: intervention !== null }),
      memorization: index,
      samples: o.samples,
    },
  };
}
