import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend, type BackendName } from '../backend.js';
import { loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import type { Progress } from '../pipeline/progress.js';
import { withRunner } from '../pool/runner.js';
import type { ValidationCheck } from './check.js';
import { applyIntervention } from '#shared';
import { plantedCounterfactual, writePlantedCsv, PLANTED } from './planted-csv.js';
import { declaredIntervention } from './spurious.js';
import { validateDataset, type DatasetValidation, type ProtocolOptions } from './protocol.js';

export type ValidationDataset = 'colored-mnist' | 'synthetic' | 'planted-csv' | 'table';
/** The built-in validation datasets (`table` is a user's own, given by `ValidateOptions.table`). */
export const VALIDATION_DATASETS: readonly ValidationDataset[] = ['colored-mnist', 'synthetic', 'planted-csv'];

/**
 * A real table to validate the shortcut scores on (e.g. one exported from a Debian R package): its files and columns,
 * with `shortcutColumn` an input column whose applied intervention is then the truth the estimated path is checked against.
 */
export interface ValidationTable {
  train: string;
  val?: string;
  test?: string;
  labelColumn: string;
  shortcutColumn: string;
  attributeColumn?: string;
  idColumn?: string;
}

/** The protocol's knobs, plus which datasets to run and where. */
export interface ValidateOptions extends Pick<ProtocolOptions, 'seed' | 'sweep' | 'steps' | 'pairs' | 'epochs' | 'memorizationSample' | 'exemplars' | 'bundles'> {
  datasets: ValidationDataset[];
  /** The `table` dataset's files and columns (required when `datasets` lists it). */
  table?: ValidationTable;
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
  if (name === 'table') return tableWithTruth(o.table);
  const file = writePlantedCsv(o.workDir, { seed: o.seed + 7 });
  // Declared as a user would (--shortcut-column shortcut: a numeric feature, the mirrored quantile); the truth is the
  // planted negation, and the attribute column is what the estimated path is checked on.
  const data = await loadDataset({
    kind: 'csv', train: file, labelColumn: PLANTED.label, attributeColumn: PLANTED.attribute, shortcutColumn: PLANTED.shortcutFeature, seed: o.seed,
  });
  const featureNames = data.input.kind === 'features' ? data.input.featureNames : [];
  return { ...data, counterfactual: plantedCounterfactual(featureNames) };
}

/**
 * A user table whose shortcut is an input column: the intervention it declares is applied to the inputs, so it is its
 * own truth (served change = true change); the estimated path (from its attribute annotation) is checked against it.
 */
async function tableWithTruth(t: ValidationTable | undefined): Promise<Dataset> {
  if (!t) throw new Error('the table dataset needs its files and columns (validate-scores --table FILE --label-column … --shortcut-column …)');
  const data = await loadDataset({ kind: 'csv', ...t });
  const iv = declaredIntervention(data);
  if (!iv || iv.mode !== 'applied' || iv.alternatives !== 1)
    throw new Error(`--shortcut-column ${t.shortcutColumn} must be a binary or numeric input column for a table's truth (derived: ${data.intervention?.spec.kind})`);
  return { ...data, counterfactual: { intervention: iv.spec.description, apply: (x) => applyIntervention(iv, x)[0] } };
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
    if (data.intervention) o.progress.log(`shortcut intervention: ${data.intervention.spec.kind} (${data.intervention.why})`);
    const { checks: c, ...rest } = await withRunner({ data, progress: o.progress, workers: o.workers ?? 1, backend }, (runner) => validateDataset(data, {
      seed: o.seed, sweep: o.sweep, steps: o.steps, pairs: o.pairs, epochs: o.epochs,
      memorizationSample: o.memorizationSample, exemplars: o.exemplars, bundles: o.bundles, targets: name === 'colored-mnist', shortcutTargets: name === 'planted-csv' || name === 'table', progress: o.progress, runner,
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
