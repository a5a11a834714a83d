import { html, raw } from 'hono/html';
import { groupAccuracySpec, memorizationSpec, reliabilitySpec, trainingCurvesSpec, xrmFlipRateSpec } from './charts.js';
import { ReportData } from './data.js';
import { count, duration } from './format.js';
import { renderSvg } from './render.js';
import { REPORT_CSS } from './style.js';
import { algorithmLabel, algorithmPalette } from './theme.js';
import {
  groupAccuracyTable, groupRecoveryTable, memorizationMeanTable, quantileTable, sliceTable, summaryTable,
  validationTable, xrmCombinationTable,
} from './tables.js';

/** Plain-language captions: what each chart shows and what a reader should look for in it. */
const CAPTIONS = {
  curves:
    'Each panel is one algorithm. Solid lines are test accuracy and dashed lines validation accuracy; grey is the average over '
    + 'all examples, orange the worst group (the group the model does worst on, usually a minority in which the shortcut points '
    + 'to the wrong label) and pink the worst group as XRM infers it without annotations. The thin vertical line marks the '
    + 'checkpoint that model selection kept. Look at the gap between average and worst group: ERM typically reaches a high '
    + 'average while its worst group stays low, and a robust method closes that gap. Validation lines that track the test lines '
    + 'mean the selection can be trusted.',
  xrm:
    'XRM trains two twin networks on random halves of the training data and lets each one relabel the examples its sibling '
    + 'confidently gets wrong. The flip rate is the share of training labels changed that way. Each line is one '
    + 'hyper-parameter combination; the kept one is in colour: by default the one whose final twins confidently contradict the '
    + 'most validation labels (examples neither twin trained on), or with --xrm-selection paper the highest final flip rate. '
    + 'A high training flip rate can also come from twins that never fit and let labels drift, so it is checked on held-out data. '
    + 'Dashed lines are degenerate runs (their inferred groups miss a class) and are never selected; a line that stays near '
    + 'zero found no shortcut.',
  groups:
    'Test accuracy of every algorithm in every group. A group pairs the label with the spurious attribute; in the minority '
    + 'groups the attribute disagrees with the label, so a model that leans on the shortcut fails exactly there. Each '
    + "algorithm's worst-group accuracy in the summary is its lowest bar. Look for bars of even height across groups: that is "
    + 'a model that learned the label rather than the shortcut.',
  memorization:
    'For every training example, memorization is how much more likely its label is under a model that trained on it than '
    + 'under one that did not (the XRM twins give one of each). Near 0 the example follows a pattern any model learns; near 1 '
    + 'only the model that saw it gets it right, so it was memorized; below 0 is estimation noise. Each panel is one group, '
    + 'each outline one algorithm, dashed lines are group means. What to look for: under ERM the minority examples (the '
    + 'attribute, e.g. colour, disagrees with the label) are memorized far more than majority ones; MAT should pull that '
    + 'mass towards 0, because its held-out shift takes the shortcut out of the loss and leaves a real pattern to learn.',
  recovery:
    'How the groups XRM inferred without any annotation line up with the true ones. A good discovery puts each true minority '
    + 'group almost entirely in a "conflicts with shortcut" column and each majority group in an "agrees" column.',
  reliability:
    'Each point is a bin of inputs with similar predicted confidence (the top class probability); its height is how often '
    + 'the prediction was right and its size how many inputs fell in the bin. Points on the dashed diagonal mean the '
    + 'confidences can be read as probabilities; points below it mean the model is over-confident.',
  quantiles:
    'Where a score value falls among validation inputs (measured memorization: among all training examples): the '
    + 'percentiles the API reports are read from the quantiles of the estimator that gave the score.',
  slices:
    'The served model\'s validation accuracy on inputs of the same slice (predicted class, whether the prediction agrees '
    + 'with the shortcut, reliance bucket); this is the slice_accuracy the API returns. Low accuracy on "conflicts" slices '
    + 'means the model still follows the shortcut.',
  validation:
    'The checks the per-input scores must pass on data no one tuned on (see docs/validation.md).',
} as const;

function figure(svg: string, caption: string) {
  return html`<figure>${raw(svg)}<figcaption>${caption}</figcaption></figure>`;
}

function scoreSection(data: ReportData, reliabilitySvg: string | null) {
  const scores = data.scores;
  if (!scores) return html``;
  const split = scores.reliability?.split === 'test' ? 'test' : 'validation';
  return html`<section><h2>Score calibration</h2>
    ${reliabilitySvg !== null && html`<h3>Reliability (${split})</h3>${figure(reliabilitySvg, CAPTIONS.reliability)}`}
    ${scores.calibration && html`
      <h3>Score quantiles (validation)</h3><p class="note">${CAPTIONS.quantiles}</p>${quantileTable(scores.calibration)}
      <h3>Slice accuracy (validation)</h3><p class="note">${CAPTIONS.slices}</p>${sliceTable(scores.calibration, data.classNames)}`}
    ${scores.validation && html`
      <h3>Validation protocol</h3><p class="note">${CAPTIONS.validation}</p>${validationTable(scores.validation)}`}
  </section>`;
}

/**
 * The bundle's report.html: one self-contained page (inline CSS and SVG, no scripts, no external URLs).
 * Validates `data` first, so report.json and report.html never disagree about what is well-formed.
 * @example await writeFile('report.html', await renderReport(reportData));
 */
export async function renderReport(data: ReportData): Promise<string> {
  const d = ReportData.parse(data);
  const palette = algorithmPalette(d);
  const [curves, xrm, groups, memorization, reliability] = await Promise.all([
    renderSvg(trainingCurvesSpec(d.runs)),
    d.xrm ? renderSvg(xrmFlipRateSpec(d.xrm)) : null,
    renderSvg(groupAccuracySpec(d.runs, palette)),
    renderSvg(memorizationSpec(d.memorization, palette)),
    d.scores?.reliability ? renderSvg(reliabilitySpec(d.scores.reliability, palette)) : null,
  ]);
  const recovery = d.xrm?.groupRecovery;
  const memorizationGroups = d.memorization.groupSource === 'true' ? 'true groups' : 'XRM-inferred groups';
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${d.title}</title><style>${raw(REPORT_CSS)}</style></head>
<body><main>
<header>
  <h1>${d.title}</h1>
  <p class="meta"><b>Dataset</b> ${d.dataset.name} · ${count(d.dataset.numTrain)} train / ${count(d.dataset.numVal)} validation / ${count(d.dataset.numTest)} test · classes: ${d.classNames.join(', ')}</p>
  <p class="meta"><b>Served model</b> ${algorithmLabel(d.servedAlgorithm)} · <b>backend</b> ${d.backend} · <b>training time</b> ${duration(d.wallSeconds)} · <b>created</b> ${d.createdAt}</p>
</header>
<section><h2>Summary</h2>
  <p class="note">Each algorithm's best hyper-parameter combination, early-stopped at the step with the highest selection metric; test numbers are at that step.</p>
  ${summaryTable(d)}
</section>
<section><h2>Training curves</h2>${figure(curves, CAPTIONS.curves)}</section>
${xrm !== null && d.xrm && html`<section><h2>XRM environment discovery</h2>${figure(xrm, CAPTIONS.xrm)}
  ${xrmCombinationTable(d.xrm)}
  ${recovery && html`<h3>Inferred vs true groups (${recovery.split === 'train' ? 'training' : 'validation'} split)</h3>
    <p class="note">${CAPTIONS.recovery}</p>${groupRecoveryTable(recovery.counts, d.groupNames, d.inferredGroupNames)}`}
</section>`}
<section><h2>Per-group test accuracy</h2>${figure(groups, CAPTIONS.groups)}</section>
<section><h2>Memorization by group</h2>${figure(memorization, `${CAPTIONS.memorization} Groups shown: ${memorizationGroups}.`)}</section>
<section><h2>Per-group tables</h2>
  <h3>Test accuracy</h3>${groupAccuracyTable(d.runs)}
  <h3>Mean memorization</h3>${memorizationMeanTable(d.memorization)}
</section>
${scoreSection(d, reliability)}
<footer>Generated by mat-edge. The data behind every chart is in report.json beside this file.</footer>
</main></body></html>
`;
  return (await page).toString();
}
