import type { SeedResult } from './acceptance.js';
import { formatMeanStd, meanStd } from './stats.js';

/** Reference numbers stated in docs/method.md (official code re-runs), keyed by dataset and algorithm. */
const REFERENCE: Record<string, Record<string, string>> = {
  'synthetic:0.5': { erm: 'minority test acc 0.144', mat: 'minority test acc 0.898' },
  'colored-mnist': { erm: 'avg ≈ 0.10, WGA ≈ 0.00', mat: 'avg ≈ 0.69, WGA ≈ 0.63–0.65' },
};

export interface Check { check: string; value: number; target: string; pass: boolean }

/** The acceptance targets, evaluated on the mean over seeds. */
export function acceptanceChecks(rows: SeedResult[]): Check[] {
  const pick = (dataset: string, algorithm: string, selection: string, f: (r: SeedResult) => number | null) =>
    meanStd(rows.filter((r) => r.dataset === dataset && r.algorithm === algorithm && r.selection === selection).map(f).filter((v): v is number => v !== null)).mean;
  const checks: Check[] = [];
  const add = (check: string, value: number, target: string, pass: boolean) => { if (Number.isFinite(value)) checks.push({ check, value, target, pass }); };
  const erm = pick('synthetic:0.5', 'erm', 'va_wga', (r) => r.finalMinorityAccuracy);
  const mat = pick('synthetic:0.5', 'mat', 'va_wga', (r) => r.finalMinorityAccuracy);
  add('synthetic σ=0.5: ERM minority test accuracy (last step)', erm, '≤ 0.30', erm <= 0.3);
  add('synthetic σ=0.5: MAT minority test accuracy (last step)', mat, '≥ 0.85', mat >= 0.85);
  for (const sel of ['va_wga', 'va_gi_wga']) {
    const ermAvg = pick('colored-mnist', 'erm', sel, (r) => r.testAverage);
    const matAvg = pick('colored-mnist', 'mat', sel, (r) => r.testAverage);
    const matWga = pick('colored-mnist', 'mat', sel, (r) => r.testWorstGroup);
    add(`Colored MNIST (${sel}): ERM test average`, ermAvg, '≤ 0.15', ermAvg <= 0.15);
    add(`Colored MNIST (${sel}): MAT test average`, matAvg, '≥ 0.68', matAvg >= 0.68);
    add(`Colored MNIST (${sel}): MAT test worst-group`, matWga, '≥ 0.63', matWga >= 0.63);
  }
  return checks;
}

/** Markdown table: per dataset, algorithm and selection, test average and worst-group accuracy (%), mean ± std over seeds. */
export function resultsMarkdown(rows: SeedResult[]): string {
  const keys = [...new Set(rows.map((r) => `${r.dataset}|${r.algorithm}|${r.selection}`))];
  const lines = [
    '| data | algorithm | selection | test average (%) | test worst-group (%) | seeds | reference (docs/method.md) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const key of keys) {
    const [dataset, algorithm, selection] = key.split('|');
    const rs = rows.filter((r) => `${r.dataset}|${r.algorithm}|${r.selection}` === key);
    const sel = selection === 'va_wga' ? 'val groups' : 'XRM-inferred';
    lines.push(`| ${dataset} | ${algorithm} | ${sel} | ${formatMeanStd(rs.map((r) => r.testAverage))} | ${formatMeanStd(rs.map((r) => r.testWorstGroup))} | ${rs.length} | ${REFERENCE[dataset]?.[algorithm] ?? ''} |`);
  }
  return lines.join('\n');
}
