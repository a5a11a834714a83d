import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend, type BackendName } from '../backend.js';
import { loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import type { Progress } from '../pipeline/progress.js';
import { withRunner } from '../pool/runner.js';
import type { ValidationCheck } from './check.js';
import { plantedCounterfactual, writePlantedCsv, PLANTED } from './planted-csv.js';
import { validateDataset, type DatasetValidation, type ProtocolOptions } from './protocol.js';

export type ValidationDataset = 'colored-mnist' | 'synthetic' | 'planted-csv';
export const VALIDATION_DATASETS: readonly ValidationDataset[] = ['colored-mnist', 'synthetic', 'planted-csv'];

/** The protocol's knobs, plus which datasets to run and where. */
export interface ValidateOptions extends Pick<ProtocolOptions, 'seed' | 'sweep' | 'steps' | 'pairs' | 'epochs' | 'memorizationSample' | 'exemplars' | 'bundles'> {
  datasets: ValidationDataset[];
  /** Colored MNIST training examples (first n; validation and test stay full). */
  trainLimit?: number;
  backend: BackendName;
  /** Worker threads for the independent training runs (1: in this thread). */
  workers?: number;
  /** Scratch folder for the generated CSV. */
  workDir: string;
  progress: Progress;
}

export interface ValidationResult {
  createdAt: string;
  backend: string;
  wallSeconds: number;
  options: Omit<ValidateOptions, 'progress'>;
  /** Every check, as ScoreSection.validation of the report takes them. */
  checks: ValidationCheck[];
  datasets: Omit<DatasetValidation, 'checks'>[];
}

async function load(name: ValidationDataset, o: ValidateOptions): Promise<Dataset> {
  if (name === 'colored-mnist') {
    return loadDataset({ kind: 'colored-mnist', seed: o.seed, ...(o.trainLimit ? { limit: { train: o.trainLimit } } : {}) });
  }
  if (name === 'synthetic') return loadDataset({ kind: 'synthetic', noiseStd: 0.5 });
  const file = writePlantedCsv(o.workDir, { seed: o.seed + 7 });
  const data = await loadDataset({ kind: 'csv', train: file, labelColumn: PLANTED.label, attributeColumn: PLANTED.attribute, seed: o.seed });
  const featureNames = data.input.kind === 'features' ? data.input.featureNames : [];
  return { ...data, counterfactual: plantedCounterfactual(featureNames) };
}

/** The validation protocol (docs/validation.md) over the requested datasets; targets apply to Colored MNIST. */
export async function runValidation(o: ValidateOptions): Promise<ValidationResult> {
  const t0 = performance.now();
  const backend = await initBackend(o.backend);
  mkdirSync(o.workDir, { recursive: true });
  const checks: ValidationCheck[] = [];
  const datasets: ValidationResult['datasets'] = [];
  for (const name of o.datasets) {
    const data = await load(name, o);
    o.progress.log(`validating on ${data.name}: ${data.train.n} train / ${data.val.n} val / ${data.test.n} test`);
    const { checks: c, ...rest } = await withRunner({ data, progress: o.progress, workers: o.workers ?? 1, backend }, (runner) => validateDataset(data, {
      seed: o.seed, sweep: o.sweep, steps: o.steps, pairs: o.pairs, epochs: o.epochs,
      memorizationSample: o.memorizationSample, exemplars: o.exemplars, bundles: o.bundles, targets: name === 'colored-mnist', progress: o.progress, runner,
    }));
    checks.push(...c);
    datasets.push(rest);
  }
  const { progress: _p, ...options } = o;
  return { createdAt: new Date().toISOString(), backend, wallSeconds: (performance.now() - t0) / 1000, options, checks, datasets };
}

export function writeValidation(file: string, r: ValidationResult): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}
