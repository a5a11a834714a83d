import { loadDataset } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { PLANTED, writePlantedCsv } from '../validation/planted-csv.js';

export const ACCEPTANCE_DATASETS = ['synthetic', 'colored-mnist', 'planted-csv'] as const;
export type AcceptanceDataset = (typeof ACCEPTANCE_DATASETS)[number];

export interface AcceptanceDataOptions {
  /** At most this many training examples (Colored MNIST and the planted CSV; the synthetic task is small already). */
  limit?: number;
  /** Where the planted CSV is written. */
  workDir: string;
}

/** Rows of the planted CSV before the loader's 60/20/20 split. */
const PLANTED_ROWS = 5000;
export const PLANTED_NOTE = `the planted-shortcut CSV (${PLANTED_ROWS} rows split 60/20/20, 2 noisy core features, a clean shortcut feature that agrees with the label on 90% of rows in every split, 20 noise features)`;

/** The acceptance datasets: the paper's synthetic task (σ = 0.5), Colored MNIST, and a user table with a planted shortcut. */
export function loadAcceptanceDataset(name: AcceptanceDataset, o: AcceptanceDataOptions): Promise<Dataset> {
  const limit = o.limit ? { limit: { train: o.limit } } : {};
  if (name === 'synthetic') return loadDataset({ kind: 'synthetic', noiseStd: 0.5 });
  if (name === 'colored-mnist') return loadDataset({ kind: 'colored-mnist', ...limit });
  const file = writePlantedCsv(o.workDir, { rows: PLANTED_ROWS });
  return loadDataset({ kind: 'csv', train: file, labelColumn: PLANTED.label, attributeColumn: PLANTED.attribute, ...limit });
}

/**
 * True minority (bias-conflicting) flag per example of a split whose groups are label × a binary spurious attribute
 * (group = 2·y + a, minority where a ≠ y); null without groups. For analysis only, never for a decision.
 */
export function trueMinority(group: Int32Array | null, y: Int32Array): Uint8Array | null {
  if (!group) return null;
  return Uint8Array.from(y, (label, i) => ((group[i] & 1) !== label ? 1 : 0));
}
