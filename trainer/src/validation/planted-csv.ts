import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RandomState } from '../random.js';
import type { Counterfactual } from '../data/types.js';

export interface PlantedCsvOptions {
  /** Rows in the file (split 60/20/20 by the loader). */
  rows?: number;
  /** Share of rows whose shortcut agrees with the label. */
  agreement?: number;
  /** Core (label-bearing) feature noise: the core signal is weaker than the shortcut. */
  coreNoise?: number;
  /** Noise features per row (room for memorization). */
  noiseFeatures?: number;
  seed?: number;
}

export const PLANTED = { label: 'label', attribute: 'shortcut_attr', shortcutFeature: 'shortcut' } as const;

/**
 * Writes a user-format CSV with a planted shortcut: label ∈ {yes, no}; a noisy core feature pair; a clean, strong
 * `shortcut` feature equal to ±1 from an attribute that agrees with the label on `agreement` of the rows;
 * the attribute column (for true groups) and noise features. Returns the file path.
 */
export function writePlantedCsv(dir: string, o: PlantedCsvOptions = {}): string {
  const { rows = 3000, agreement = 0.9, coreNoise = 1.0, noiseFeatures = 20, seed = 7 } = o;
  const rng = new RandomState(seed);
  const header = ['core_1', 'core_2', PLANTED.shortcutFeature, ...Array.from({ length: noiseFeatures }, (_, j) => `noise_${j + 1}`), PLANTED.attribute, PLANTED.label];
  const lines = [header.join(',')];
  for (let i = 0; i < rows; i++) {
    const y = rng.bernoulli(0.5) ? 1 : 0;
    const a = rng.bernoulli(agreement) ? y : 1 - y;
    const s = 2 * y - 1;
    const core = [s + coreNoise * rng.normal(), s + coreNoise * rng.normal()];
    const shortcut = 2 * a - 1 + 0.1 * rng.normal();
    const noise = Array.from({ length: noiseFeatures }, () => rng.normal());
    lines.push([...core, shortcut, ...noise].map((v) => v.toFixed(5)).concat([a ? 'b' : 'a', y ? 'yes' : 'no']).join(','));
  }
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'planted-shortcut.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Counterfactual of one raw row of the planted file: negate the shortcut feature (swap the attribute). */
export function plantedCounterfactual(featureNames: string[]): Counterfactual {
  const j = featureNames.indexOf(PLANTED.shortcutFeature);
  if (j < 0) throw new Error(`no "${PLANTED.shortcutFeature}" feature`);
  return {
    intervention: `negate the "${PLANTED.shortcutFeature}" feature`,
    apply: (x) => {
      const out = Float32Array.from(x);
      out[j] = -out[j];
      return out;
    },
  };
}
