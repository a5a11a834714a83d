import { writeFileSync } from 'node:fs';
import { html, raw } from 'hono/html';
import { describe, expect, it } from 'vitest';
import { QUANTILE_LEVELS, groupedAccuracy, inferredGroupNames, type GroupMetric } from '#shared';
import { RandomState } from '../../trainer/src/random.js';
import { ReportData, type AlgorithmRun, type CurvePoint } from '../../trainer/src/report/data.js';
import { groupHistograms, uniformBinEdges } from '../../trainer/src/report/histogram.js';
import { renderReport } from '../../trainer/src/report/html.js';
import { renderSvg } from '../../trainer/src/report/render.js';

/**
 * A Colored-MNIST-shaped report with deterministic numbers. Set REPORT_SAMPLE_OUT=/tmp/report-sample.html
 * to write the rendered page for a look in a browser.
 */

const CLASSES = ['digit < 5', 'digit ≥ 5'];
const GROUPS = ['digit < 5 · red', 'digit < 5 · green', 'digit ≥ 5 · red', 'digit ≥ 5 · green'];
const MINORITY = [false, true, true, false];
const TEST_N = [4480, 520, 510, 4490];
const TRAIN_N = [22400, 2600, 2550, 22450];
const STEPS = Array.from({ length: 21 }, (_, i) => i * 50);

/** Group accuracy over training: from chance towards `final`, majority and minority separately. */
function accuracyAt(step: number, final: [number, number], minority: boolean, rs: RandomState): number {
  const target = final[minority ? 1 : 0];
  const value = 0.5 + (target - 0.5) * (1 - Math.exp(-step / 180)) + rs.normal(0, 0.012);
  return Math.min(1, Math.max(0, value));
}

/** Splits the per-group accuracies into a correct/incorrect vector so that the shared metric code computes the curve. */
function grouped(accuracies: number[], sizes: number[]) {
  const correct: number[] = [], groups: number[] = [];
  sizes.forEach((n, g) => {
    for (let i = 0; i < n; i++) { correct.push(i < Math.round(accuracies[g] * n) ? 1 : 0); groups.push(g); }
  });
  return groupedAccuracy(correct, groups, GROUPS);
}

function sampleRun(algorithm: string, final: [number, number], selectionMetric: AlgorithmRun['selectionMetric'], seed: number): AlgorithmRun {
  const rs = new RandomState(seed);
  const perGroup = new Map<number, GroupMetric[]>();
  const curve: CurvePoint[] = STEPS.map((step) => {
    const val = grouped(MINORITY.map((m) => accuracyAt(step, final, m, rs)), TEST_N.map((n) => Math.round(n / 2)));
    const test = grouped(MINORITY.map((m) => accuracyAt(step, final, m, rs)), TEST_N);
    perGroup.set(step, test.perGroup);
    return {
      step, loss: 0.7 * Math.exp(-step / 300) + 0.05,
      va_avg: val.average, va_wga: val.worstGroup, va_gi_wga: Math.max(0, val.worstGroup - 0.03), te_avg: test.average, te_wga: test.worstGroup,
    };
  });
  const best = curve.reduce((b, p) => ((p[selectionMetric] ?? 0) >= (b[selectionMetric] ?? 0) && p.step > 0 ? p : b), curve[1]);
  return {
    algorithm, hparams: { lr: 1.25e-4, batch_size: 35, weight_decay: 6.43e-5 }, seed: 0, selectionMetric, selectedStep: best.step,
    curve, testPerGroup: perGroup.get(best.step)!, testAverage: best.te_avg, testWorstGroup: best.te_wga ?? 0,
  };
}

function sampleMemorization(algorithm: string, minorityMean: number, seed: number) {
  const rs = new RandomState(seed);
  const scores: number[] = [], groups: number[] = [];
  TRAIN_N.forEach((n, g) => {
    for (let i = 0; i < n; i++) {
      const memorized = MINORITY[g] && rs.random() < 0.7;
      scores.push(Math.min(1, Math.max(-1, memorized ? rs.normal(minorityMean, 0.18) : rs.normal(0.02, 0.05))));
      groups.push(g);
    }
  });
  return { algorithm, perGroup: groupHistograms(scores, groups, GROUPS, uniformBinEdges(-1, 1, 40)) };
}

function sampleReport(): ReportData {
  const rs = new RandomState(7);
  const finals = [0.11, 0.05, 0.08, 0.06, 0.09, 0.03, 0.1, 0, 0.07, 0.04];
  const levels = [...QUANTILE_LEVELS];
  const quantiles = (scale: number) => levels.map((q) => Number((scale * q ** 2).toFixed(4)));
  return {
    title: 'mat-edge report: colored-mnist',
    createdAt: '2025-01-15T12:00:00.000Z',
    dataset: { name: 'colored-mnist', numTrain: 50000, numVal: 5000, numTest: 10000 },
    classNames: CLASSES,
    groupNames: GROUPS,
    inferredGroupNames: inferredGroupNames(CLASSES),
    backend: 'tensorflow (cpu)',
    wallSeconds: 1834.2,
    servedAlgorithm: 'mat',
    runs: [
      sampleRun('erm', [0.93, 0.14], 'va_wga', 1),
      sampleRun('mat', [0.74, 0.69], 'va_gi_wga', 2),
      sampleRun('group-dro', [0.73, 0.7], 'va_wga', 3),
      sampleRun('jtt', [0.72, 0.6], 'va_gi_wga', 4),
    ],
    xrm: {
      selectedCombination: 0,
      combinations: finals.map((final, c) => ({
        combination: c,
        hparams: { lr: 10 ** rs.uniform(-5, -3), batch_size: Math.floor(2 ** rs.uniform(3, 6)), weight_decay: 10 ** rs.uniform(-6, -3) },
        degenerate: final === 0,
        flipRate: STEPS.map((step) => ({ step, flipRate: Math.max(0, (final || 0.02) * (1 - Math.exp(-step / 120)) + 0.05 * Math.exp(-step / 40) * (step > 0 ? 1 : 0)) })),
      })),
      groupRecovery: { split: 'train', counts: [[21950, 450, 0, 0], [310, 2290, 0, 0], [0, 0, 260, 2290], [0, 0, 22010, 440]] },
    },
    memorization: {
      groupSource: 'true',
      binEdges: uniformBinEdges(-1, 1, 40),
      algorithms: [sampleMemorization('erm', 0.72, 11), sampleMemorization('mat', 0.22, 12)],
    },
    scores: {
      reliability: {
        split: 'val',
        curves: [['erm', 0.1], ['mat', 0.02]].map(([model, gap]) => ({
          model: model as string,
          bins: Array.from({ length: 10 }, (_, b) => {
            const confidence = 0.525 + b * 0.05;
            return { lower: 0.5 + b * 0.05, upper: 0.55 + b * 0.05, confidence, accuracy: Math.max(0, confidence - (gap as number) * (1 - b / 12)), count: 60 + 90 * b };
          }),
        })),
      },
      calibration: {
        quantileLevels: levels,
        quantiles: { memorization: quantiles(0.8), twinDisagreement: quantiles(0.5), reliance: quantiles(1), shortcutConfidence: levels.map((q) => 0.5 + q / 2) },
        relianceBucketEdges: [0.25, 0.5, 0.75, 1],
        sliceAccuracy: [0, 1].flatMap((label) => [false, true].flatMap((conflict) => [0, 1, 2, 3].map((bucket) => ({
          label, conflict, relianceBucket: bucket, n: conflict ? 40 + bucket * 5 : 300 + bucket * 150,
          accuracy: conflict ? 0.62 + bucket * 0.02 : 0.71 + bucket * 0.03,
        })))),
        neighbours: { k: 16, temperature: 0.1 },
      },
      validation: [
        { check: 'reliance × (1 − slice accuracy) ranks true reliance', model: 'erm', metric: 'Spearman', value: 0.71, target: '> 0.5', pass: true },
        { check: 'conflict finds minority test inputs', model: 'mat', metric: 'AUROC', value: 0.93, target: '> 0.8', pass: true },
        { check: 'memorization as if new vs measured', model: 'mat', metric: 'Spearman', value: 0.28, target: '> 0.3', pass: false },
        { check: 'MAT lowers minority memorization', model: 'ERM vs MAT', metric: 'mean difference', value: null, target: 'ERM > MAT', pass: null },
      ],
    },
  };
}

const sample = sampleReport();
const svgs = (page: string): string[] => [...page.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);

describe('ReportData schema', () => {
  it('accepts the sample, which stays small as JSON', () => {
    expect(ReportData.parse(sample)).toEqual(sample);
    expect(JSON.stringify(sample).length).toBeLessThan(64_000);
  });

  it.each([
    ['a missing title', (d: any) => { delete d.title; }, ['title']],
    ['a non-ISO createdAt', (d: any) => { d.createdAt = 'yesterday'; }, ['createdAt']],
    ['an accuracy above 1', (d: any) => { d.runs[0].curve[3].te_avg = 1.2; }, ['runs', 0, 'curve', 3, 'te_avg']],
    ['an unknown selection metric', (d: any) => { d.runs[1].selectionMetric = 'te_wga'; }, ['runs', 1, 'selectionMetric']],
    ['a selected step that was never logged', (d: any) => { d.runs[0].selectedStep = 123; }, ['runs', 0, 'selectedStep']],
    ['a served algorithm without a run', (d: any) => { d.servedAlgorithm = 'irm'; }, ['servedAlgorithm']],
    ['a duplicate algorithm', (d: any) => { d.runs[1].algorithm = 'erm'; }, ['runs', 1, 'algorithm']],
    ['an unknown selected combination', (d: any) => { d.xrm.selectedCombination = 42; }, ['xrm', 'selectedCombination']],
    ['a recovery matrix of the wrong shape', (d: any) => { d.xrm.groupRecovery.counts.pop(); }, ['xrm', 'groupRecovery', 'counts']],
    ['histogram counts that do not sum to n', (d: any) => { d.memorization.algorithms[0].perGroup[1].n += 1; }, ['memorization', 'algorithms', 0, 'perGroup', 1, 'counts']],
    ['descending bin edges', (d: any) => { d.memorization.binEdges.reverse(); }, ['memorization', 'binEdges']],
  ])('rejects %s', (_, mutate, path) => {
    const bad = structuredClone(sample);
    mutate(bad);
    const result = ReportData.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path)).toContainEqual(path);
  });
});

describe('groupHistograms', () => {
  it('bins per group, clamps out-of-range scores into the end bins and averages', () => {
    const [a, b] = groupHistograms([-3, 0.1, 0.6, 2, 0.4], [0, 0, 0, 1, 1], ['a', 'b'], [0, 0.5, 1]);
    expect(a).toEqual({ group: 0, name: 'a', n: 3, mean: (-3 + 0.1 + 0.6) / 3, counts: [2, 1] });
    expect(b.counts).toEqual([1, 1]);
    expect(groupHistograms([], [], ['empty'], [0, 1])[0]).toEqual({ group: 0, name: 'empty', n: 0, mean: null, counts: [0] });
  });
});

describe('markup (hono/html, as the report uses it)', () => {
  it('escapes interpolated text but not raw markup; arrays are joined, null and false render nothing', () => {
    expect(String(html`<td>${'<b>"x" & \'y\''}</td>${raw('<svg/>')}${[1, null, false, 'a']}`))
      .toBe('<td>&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;</td><svg/>1a');
  });
});

describe('renderSvg', () => {
  it('throws on vega-lite warnings instead of silently dropping an encoding', async () => {
    await expect(renderSvg({
      data: { values: [{ a: 1, b: 'x' }] }, mark: 'bar',
      encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'b', type: 'nominal' } },
    })).rejects.toThrow(/vega-lite/);
  });
});

describe('renderReport', () => {
  it('renders one self-contained page with every chart, name and table', async () => {
    const page = await renderReport({ ...sample, dataset: { ...sample.dataset, name: 'mnist <script>alert("x")</script> & co' } });
    if (process.env.REPORT_SAMPLE_OUT) writeFileSync(process.env.REPORT_SAMPLE_OUT, await renderReport(sample));

    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('mnist &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    for (const name of ['ERM', 'MAT', 'GroupDRO', 'JTT']) expect(page).toContain(`<td>${name}`);
    for (const group of GROUPS) expect(page).toContain(String(html`<td>${group}</td>`));
    expect(page).toContain('✗ fail');

    const withoutNamespaces = page.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '');
    expect(withoutNamespaces).not.toMatch(/https?:|<link|<img|<iframe|@import|url\((?!#)/i);

    const charts = svgs(page);
    expect(charts).toHaveLength(5);
    const [curves, xrm, groups, memorization, reliability] = charts;
    const marks = (svg: string, type: string) => (svg.match(new RegExp(`class="mark-${type} role-mark[^"]*"[^>]*>(<path|<line)`, 'g')) ?? []).length;
    expect(marks(curves, 'line')).toBeGreaterThan(0);
    expect(marks(curves, 'rule')).toBeGreaterThan(0);
    expect(marks(xrm, 'line')).toBeGreaterThan(0);
    expect(marks(groups, 'rect')).toBeGreaterThan(0);
    expect(marks(memorization, 'area')).toBeGreaterThan(0);
    expect(marks(reliability, 'symbol')).toBeGreaterThan(0);
    for (const svg of charts) expect((svg.match(/<path /g) ?? []).length).toBeGreaterThan(10);
    expect(memorization).toContain('digit &lt; 5 · green');
  });

  it('leaves out the XRM and score sections when their data is absent', async () => {
    const { xrm: _x, scores: _s, ...bare } = sample;
    const page = await renderReport(bare);
    expect(svgs(page)).toHaveLength(3);
    expect(page).not.toContain('XRM environment discovery');
    expect(page).not.toContain('Score calibration');
  });
});
