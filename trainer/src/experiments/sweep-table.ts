import type { SweepSizeRow } from './sweep-sizes.js';
import { formatMeanStd, meanStd } from './stats.js';

export interface SweepCheck { dataset: string; rule: string; selection: string; small: number; large: number; largeWga: number; bound: number; pass: boolean }

const key = (r: SweepSizeRow) => `${r.dataset}|${r.selection}|${r.rule}`;
const at = (rows: SweepSizeRow[], sweep: number) => rows.filter((r) => r.sweep === sweep).map((r) => r.testWorstGroup);

/**
 * "More search never hurts": MAT's mean test WGA at the largest sweep ≥ its mean at the smallest minus one std, one
 * std being the larger of the two sizes' standard deviations over seeds.
 */
export function sweepChecks(rows: SweepSizeRow[]): SweepCheck[] {
  const sizes = [...new Set(rows.map((r) => r.sweep))].sort((a, b) => a - b);
  const [small, large] = [sizes[0], sizes.at(-1)!];
  return [...new Set(rows.map(key))].map((k) => {
    const rs = rows.filter((r) => key(r) === k);
    const [dataset, selection, rule] = k.split('|');
    const s = meanStd(at(rs, small)), l = meanStd(at(rs, large));
    const bound = s.mean - Math.max(s.std, l.std);
    return { dataset, rule, selection, small, large, largeWga: l.mean, bound, pass: l.mean >= bound };
  });
}

/** Markdown: one line per dataset, MAT selection and XRM rule; MAT's test WGA (%) per sweep size, the XRM picks, the check. */
export function sweepMarkdown(rows: SweepSizeRow[]): string {
  const sizes = [...new Set(rows.map((r) => r.sweep))].sort((a, b) => a - b);
  const checks = new Map(sweepChecks(rows).map((c) => [`${c.dataset}|${c.selection}|${c.rule}`, c]));
  const lines = [
    `| data | MAT selection | XRM rule | ${sizes.map((n) => `sweep ${n}`).join(' | ')} | XRM picks at sweep ${sizes.at(-1)} | sweep ${sizes.at(-1)} ≥ sweep ${sizes[0]} − 1 std | seeds |`,
    `|---|---|---|${sizes.map(() => '---|').join('')}---|---|---|`,
  ];
  for (const k of checks.keys()) {
    const rs = rows.filter((r) => key(r) === k);
    const c = checks.get(k)!;
    const picks = rs.filter((r) => r.sweep === sizes.at(-1)).sort((a, b) => a.seed - b.seed).map((r) => `c${r.xrmCombination}`).join(', ');
    const sel = c.selection === 'va_wga' ? 'val groups' : 'XRM-inferred';
    lines.push(`| ${c.dataset} | ${sel} | ${c.rule} | ${sizes.map((n) => formatMeanStd(at(rs, n))).join(' | ')} | ${picks} | ${c.pass ? 'PASS' : 'MISS'} (${(c.largeWga * 100).toFixed(1)} vs ${(c.bound * 100).toFixed(1)}) | ${new Set(rs.map((r) => r.seed)).size} |`);
  }
  return lines.join('\n');
}
