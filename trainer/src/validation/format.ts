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
