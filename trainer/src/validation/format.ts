import type { ValidationCheck } from './check.js';
import type { Evidence } from './protocol.js';

const fmt = (v: number | null) => (v === null ? '—' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3));

/** Plain-text table: check, model, metric, value, target, PASS/MISS (— for context rows). */
export function checksTable(checks: ValidationCheck[]): string {
  const rows = checks.map((c) => [c.check, c.model, c.metric, fmt(c.value), c.target, c.pass === null ? '' : c.pass ? 'PASS' : 'MISS']);
  const head = ['check', 'model', 'metric', 'value', 'target', 'result'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((v, j) => (j === 3 ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function evidenceTable(evidence: Evidence[]): string {
  const rows = evidence.map((e) => [e.dataset, e.check, e.model, e.candidate, e.metric, fmt(e.selection), fmt(e.evaluation)]);
  const head = ['dataset', 'check', 'model', 'candidate', 'metric', 'selection', 'evaluation'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  return [head, ...rows].map((r) => r.map((v, j) => v.padEnd(widths[j])).join('  ').trimEnd()).join('\n');
}

/** The shortcut-score columns (metric of a check → column head), in the order the table prints them. */
const SHORTCUT_COLUMNS: [RegExp, string][] = [
  [/^Spearman\(counterfactual_change, TV\)$/, 'Spearman(change, true)'],
  [/^AUROC\(flip, flips\)$/, 'AUROC(flip, flips)'],
  [/^AUROC\(counterfactual_change, flips\)$/, 'AUROC(change, flips)'],
  [/^AUROC\(true change, flips\)/, 'ceiling'],
  [/^served flip rate$/, 'flip rate'],
  [/^flip rate under the true counterfactual$/, 'true flip rate'],
  [/recall/, 'flip recall'],
  [/precision/, 'flip precision'],
  [/^Spearman\(estimated change/, 'est. Spearman'],
  [/^AUROC\(estimated change/, 'est. AUROC'],
  [/^AUROC\(estimated flip/, 'est. flip AUROC'],
];

/**
 * The shortcut-score table of one validation run: per dataset, one row per model (ERM, MAT, and their bundles), the
 * served change and flip against the true intervention and the estimated path against it; mean change ERM − MAT below.
 */
export function shortcutTable(checks: ValidationCheck[]): string {
  const blocks: string[] = [];
  const datasets = [...new Set(checks.map((c) => c.check.split(': ')[0]))];
  for (const d of datasets) {
    const mine = checks.filter((c) => c.check === `${d}: reliance vs counterfactual` || c.check === `${d}: estimated intervention`);
    const models = [...new Set(mine.map((c) => c.model))].filter((m) => !m.startsWith('erm−mat'));
    if (!mine.some((c) => c.metric === 'served flip rate')) continue;
    const head = ['model', ...SHORTCUT_COLUMNS.map(([, h]) => h)];
    const rows = models.map((m) => [m, ...SHORTCUT_COLUMNS.map(([re]) => fmt(mine.find((c) => c.model === m && re.test(c.metric))?.value ?? null))]);
    const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
    const line = (r: string[]) => r.map((v, j) => (j ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ');
    const gaps = mine.filter((c) => c.model.startsWith('erm−mat')).map((c) => `${c.model} ${c.metric}: ${fmt(c.value)}${c.pass === null ? '' : c.pass ? ' (PASS)' : ' (MISS)'}`);
    blocks.push([`${d}:`, line(head), ...rows.map(line), ...gaps].join('\n'));
  }
  return blocks.join('\n\n');
}
