import type { ScoreCalibration } from '#shared';
import type { AlgorithmRun, MemorizationHistograms, ReportData, SelectionMetric, ValidationCheck, XrmSummary } from './data.js';
import { count, fixed, hparamsText, percent } from './format.js';
import { html } from 'hono/html';
import { algorithmLabel } from './theme.js';

/** The report's HTML tables; every cell goes through `html`, so names from data are escaped. */

const SELECTION_LABELS: Record<SelectionMetric, string> = {
  va_wga: 'val worst-group acc. (true groups)',
  va_gi_wga: 'val worst-group acc. (XRM-inferred groups)',
};

function selectionValue(run: AlgorithmRun): number | null {
  return run.curve.find((p) => p.step === run.selectedStep)?.[run.selectionMetric] ?? null;
}

/** One row per algorithm: how it was selected and what it scores on test; the served one is tagged. */
export function summaryTable(data: ReportData) {
  const bestWga = Math.max(...data.runs.map((r) => r.testWorstGroup));
  const rows = data.runs.map((run) => html`
    <tr class="${run.algorithm === data.servedAlgorithm ? 'served' : ''}">
      <td>${algorithmLabel(run.algorithm)}${run.algorithm === data.servedAlgorithm && html`<span class="badge">served</span>`}</td>
      <td class="text">${SELECTION_LABELS[run.selectionMetric]}</td>
      <td>${percent(selectionValue(run))}</td>
      <td>${count(run.selectedStep)}</td>
      <td>${percent(run.testAverage)}</td>
      <td class="${run.testWorstGroup === bestWga ? 'best' : ''}">${percent(run.testWorstGroup)}</td>
      <td class="text small">${hparamsText(run.hparams)} · seed ${run.seed}</td>
    </tr>`);
  return html`<table>
    <thead><tr><th>Algorithm</th><th class="text">Selection metric</th><th>Selected value</th><th>Selected step</th>
      <th>Test average</th><th>Test worst group</th><th class="text">Hyper-parameters</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** Every XRM combination with its final flip rate; the selected one is tagged. */
export function xrmCombinationTable(xrm: XrmSummary) {
  const rows = xrm.combinations.map((c) => html`
    <tr class="${c.combination === xrm.selectedCombination ? 'served' : ''}">
      <td>c${c.combination}${c.combination === xrm.selectedCombination && html`<span class="badge">selected</span>`}</td>
      <td>${percent(c.flipRate[c.flipRate.length - 1].flipRate)}</td>
      <td class="text">${c.degenerate ? 'yes' : 'no'}</td>
      <td class="text small">${hparamsText(c.hparams)}</td>
    </tr>`);
  return html`<table>
    <thead><tr><th>Combination</th><th>Final flip rate</th><th class="text">Degenerate</th><th class="text">Hyper-parameters</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** True groups (rows) against XRM-inferred groups (columns), with each row's split in percent. */
export function groupRecoveryTable(counts: number[][], groupNames: string[], inferredGroupNames: string[]) {
  const rows = counts.map((row, t) => {
    const n = row.reduce((a, c) => a + c, 0);
    return html`<tr><td class="name">${groupNames[t]}</td><td>${count(n)}</td>${row.map((c) => html`<td>${count(c)} <span class="small">(${percent(n ? c / n : null, 0)})</span></td>`)}</tr>`;
  });
  return html`<div class="scroll"><table>
    <thead><tr><th class="text">True group</th><th>n</th>${inferredGroupNames.map((g) => html`<th>${g}</th>`)}</tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

/** Test accuracy per group and algorithm; each algorithm's worst group is highlighted. */
export function groupAccuracyTable(runs: AlgorithmRun[]) {
  const groups = runs[0].testPerGroup;
  const worst = runs.map((run) => Math.min(...run.testPerGroup.flatMap((p) => (p.accuracy === null ? [] : [p.accuracy]))));
  const rows = groups.map((g) => html`<tr><td>${g.name}</td><td>${count(g.n)}</td>${runs.map((run, r) => {
    const acc = run.testPerGroup.find((p) => p.group === g.group)?.accuracy ?? null;
    return html`<td class="${acc === worst[r] ? 'worst' : ''}">${percent(acc)}</td>`;
  })}</tr>`);
  return html`<table>
    <thead><tr><th class="text">Test group</th><th>n</th>${runs.map((r) => html`<th>${algorithmLabel(r.algorithm)}</th>`)}</tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** Mean memorization per group and algorithm (training split). */
export function memorizationMeanTable(mem: MemorizationHistograms) {
  const groups = mem.algorithms[0].perGroup;
  const rows = groups.map((g) => html`<tr><td>${g.name}</td><td>${count(g.n)}</td>${mem.algorithms.map((a) =>
    html`<td>${fixed(a.perGroup.find((p) => p.group === g.group)?.mean)}</td>`)}</tr>`);
  return html`<table>
    <thead><tr><th class="text">Training group</th><th>n</th>${mem.algorithms.map((a) => html`<th>${algorithmLabel(a.algorithm)}</th>`)}</tr></thead>
    <tbody>${rows}</tbody></table>`;
}

const SCORE_LABELS: Record<keyof ScoreCalibration['quantiles'], string> = {
  memorization: 'memorization',
  twinDisagreement: 'twin disagreement',
  reliance: 'spurious reliance',
  shortcutConfidence: 'shortcut confidence',
  labelledMemorization: 'memorization given the label',
  measuredMemorization: 'measured memorization (training set)',
  counterfactualChange: 'counterfactual change',
};

/** Quantiles of each per-input score (what the API's percentiles are read from): validation, measured memorization over training. */
export function quantileTable(cal: ScoreCalibration) {
  const scores = (Object.keys(SCORE_LABELS) as (keyof ScoreCalibration['quantiles'])[]).filter((s) => cal.quantiles[s]);
  return html`<div class="scroll"><table>
    <thead><tr><th class="text">Score</th>${cal.quantileLevels.map((q) => html`<th>${percent(q, 0)}</th>`)}</tr></thead>
    <tbody>${scores.map((s) => html`<tr><td>${SCORE_LABELS[s]}</td>${cal.quantiles[s]!.map((v) => html`<td>${fixed(v)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

/** Served model's validation accuracy per slice (predicted class × conflict × reliance bucket). */
export function sliceTable(cal: ScoreCalibration, classNames: string[]) {
  const edges = cal.relianceBucketEdges;
  const bucket = (b: number) => `${(b === 0 ? 0 : edges[b - 1]).toFixed(2)}–${edges[b].toFixed(2)}`;
  const rows = cal.sliceAccuracy.map((s) => html`<tr>
    <td>${classNames[s.label] ?? s.label}</td><td class="text">${s.conflict ? 'conflicts' : 'agrees'}</td>
    <td>${bucket(s.relianceBucket)}</td><td>${count(s.n)}</td><td>${percent(s.accuracy)}</td></tr>`);
  return html`<table>
    <thead><tr><th class="text">Predicted class</th><th class="text">Shortcut</th><th>Reliance</th><th>n</th><th>Accuracy</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** Score validation protocol results with an explicit pass / fail word (not colour alone). */
export function validationTable(checks: ValidationCheck[]) {
  const verdict = (pass: boolean | null) =>
    pass === null ? html`<span>—</span>` : pass ? html`<span class="pass">✓ pass</span>` : html`<span class="fail">✗ fail</span>`;
  const rows = checks.map((c) => html`<tr>
    <td>${c.check}</td><td class="text">${algorithmLabel(c.model)}</td><td class="text">${c.metric}</td>
    <td>${fixed(c.value)}</td><td class="text">${c.target}</td><td class="text">${verdict(c.pass)}</td></tr>`);
  return html`<table>
    <thead><tr><th class="text">Check</th><th class="text">Model</th><th class="text">Metric</th><th>Value</th><th class="text">Target</th><th class="text">Result</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}
