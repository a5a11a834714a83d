import type { TopLevelSpec } from 'vega-lite';
import type { AlgorithmRun, MemorizationHistograms, ScoreSection, XrmSummary } from './data.js';
import { CHART_CONFIG, CHART_WIDTH, OKABE_ITO, algorithmLabel, paletteFor, type Palette } from './theme.js';

/**
 * Vega-lite specs of the report's charts. Data is reshaped here, in TypeScript, into long form so that
 * the specs need no transforms beyond filters; every builder returns a complete top-level spec.
 */

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const ACCURACY_AXIS = { format: '.0%' } as const;

type Reliability = NonNullable<ScoreSection['reliability']>;

const MEASURE_COLOURS = { average: '#555555', 'worst group': OKABE_ITO[1], 'worst inferred group': OKABE_ITO[3] } as const;

/** Validation and test accuracy vs step, one panel per algorithm, with the selected checkpoint marked. */
export function trainingCurvesSpec(runs: AlgorithmRun[]): TopLevelSpec {
  const values = runs.flatMap((run) => run.curve.flatMap((p) => {
    const cells = [
      ['validation', 'average', p.va_avg], ['validation', 'worst group', p.va_wga], ['validation', 'worst inferred group', p.va_gi_wga],
      ['test', 'average', p.te_avg], ['test', 'worst group', p.te_wga],
    ] as const;
    return cells.filter(([, , v]) => v !== null).map(([split, measure, value]) => ({
      algorithm: algorithmLabel(run.algorithm), step: p.step, split, measure, value, selectedStep: run.selectedStep,
    }));
  }));
  const measures = (Object.keys(MEASURE_COLOURS) as (keyof typeof MEASURE_COLOURS)[]).filter((m) => values.some((v) => v.measure === m));
  // At most 3 panels a row, rows balanced (4 runs give 2 × 2); each panel keeps its own step axis.
  const columns = Math.ceil(runs.length / Math.ceil(runs.length / 3));
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    data: { values },
    columns,
    facet: { field: 'algorithm', type: 'nominal', title: null, sort: runs.map((r) => algorithmLabel(r.algorithm)) },
    resolve: { axis: { x: 'independent' } },
    spec: {
      width: Math.min(360, Math.floor(CHART_WIDTH / columns) - 70),
      height: 200,
      layer: [
        {
          mark: { type: 'rule', color: '#999', strokeWidth: 1 },
          encoding: { x: { aggregate: 'min', field: 'selectedStep', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', text: 'selected', color: '#777', align: 'left', baseline: 'top', dx: 3, fontSize: 10 },
          encoding: { x: { aggregate: 'min', field: 'selectedStep', type: 'quantitative' }, y: { value: 3 } },
        },
        {
          mark: { type: 'line', strokeWidth: 1.8 },
          encoding: {
            x: { field: 'step', type: 'quantitative', title: 'Training step' },
            y: { field: 'value', type: 'quantitative', title: 'Accuracy', scale: { domain: [0, 1] }, axis: ACCURACY_AXIS },
            color: {
              field: 'measure', type: 'nominal', title: 'Accuracy',
              scale: { domain: measures, range: measures.map((m) => MEASURE_COLOURS[m]) },
            },
            strokeDash: {
              field: 'split', type: 'nominal', title: 'Split',
              scale: { domain: ['test', 'validation'], range: [[1, 0], [5, 3]] },
            },
          },
        },
      ],
    },
  };
}

const ROLES = { selected: 'selected', other: 'other', degenerate: 'degenerate (never selected)' } as const;

/** XRM flip rate vs step for every hyper-parameter combination; the selected one in colour. */
export function xrmFlipRateSpec(xrm: XrmSummary): TopLevelSpec {
  const role = (c: XrmSummary['combinations'][number]) =>
    c.combination === xrm.selectedCombination ? ROLES.selected : c.degenerate ? ROLES.degenerate : ROLES.other;
  const values = xrm.combinations.flatMap((c) => c.flipRate.map((p) => ({
    combination: `c${c.combination}`, step: p.step, flipRate: p.flipRate, role: role(c),
  })));
  const selected = xrm.combinations.find((c) => c.combination === xrm.selectedCombination)!;
  const last = selected.flipRate[selected.flipRate.length - 1];
  const domain = Object.values(ROLES).filter((r) => values.some((v) => v.role === r));
  const styles: Record<string, { colour: string; dash: number[] }> = {
    [ROLES.selected]: { colour: OKABE_ITO[1], dash: [1, 0] },
    [ROLES.other]: { colour: '#9a9a9a', dash: [1, 0] },
    [ROLES.degenerate]: { colour: '#9a9a9a', dash: [4, 3] },
  };
  const line = (filter: string, strokeWidth: number) => ({
    transform: [{ filter }],
    mark: { type: 'line' as const, strokeWidth },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'Training step' },
      y: { field: 'flipRate', type: 'quantitative' as const, title: 'Flip rate', axis: ACCURACY_AXIS },
      color: { field: 'role', type: 'nominal' as const, title: 'Combination', scale: { domain, range: domain.map((r) => styles[r].colour) } },
      strokeDash: { field: 'role', type: 'nominal' as const, title: 'Combination', scale: { domain, range: domain.map((r) => styles[r].dash) } },
      detail: { field: 'combination' },
    },
  });
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: CHART_WIDTH - 90,
    height: 260,
    data: { values },
    layer: [
      line(`datum.role !== '${ROLES.selected}'`, 1.2),
      line(`datum.role === '${ROLES.selected}'`, 2.5),
      {
        data: { values: [{ step: last.step, flipRate: last.flipRate, text: `c${selected.combination}` }] },
        mark: { type: 'text', align: 'left', dx: 5, fontWeight: 'bold', color: OKABE_ITO[1] },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'flipRate', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  };
}

/** Test accuracy of every algorithm in every group, side by side. */
export function groupAccuracySpec(runs: AlgorithmRun[], palette: Palette): TopLevelSpec {
  const groups = runs[0].testPerGroup.map((g) => g.name);
  const values = runs.flatMap((run) => run.testPerGroup.filter((g) => g.accuracy !== null).map((g) => ({
    algorithm: algorithmLabel(run.algorithm), group: g.name, accuracy: g.accuracy,
  })));
  const algorithms = runs.map((r) => algorithmLabel(r.algorithm));
  const encoding = {
    x: { field: 'group', type: 'nominal' as const, title: 'Test group', sort: groups, axis: { labelAngle: 0, labelLimit: 200 } },
    xOffset: { field: 'algorithm', type: 'nominal' as const, sort: algorithms },
    y: { field: 'accuracy', type: 'quantitative' as const, title: 'Test accuracy', scale: { domain: [0, 1] }, axis: ACCURACY_AXIS },
  };
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: CHART_WIDTH - 90,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: { ...encoding, color: { field: 'algorithm', type: 'nominal', title: 'Algorithm', scale: paletteFor(palette, algorithms) } },
      },
      {
        mark: { type: 'text', baseline: 'bottom', dy: -2, fontSize: 9, color: '#333' },
        encoding: { ...encoding, text: { field: 'accuracy', type: 'quantitative', format: '.0%' } },
      },
    ],
  };
}

/** Distribution of per-example memorization in each group, one outline per algorithm, group mean as a dashed rule. */
export function memorizationSpec(mem: MemorizationHistograms, palette: Palette): TopLevelSpec {
  const edges = mem.binEdges;
  const groups = mem.algorithms[0].perGroup.map((g) => g.name);
  // Zoom to the occupied bins: a [-1, 1] grid is usually empty on most of its negative side.
  const occupied = mem.algorithms.flatMap((a) => a.perGroup.flatMap((g) => g.counts.flatMap((c, b) => (c > 0 ? [b] : []))));
  const [first, last] = occupied.length ? [Math.min(...occupied), Math.max(...occupied)] : [0, edges.length - 2];
  const values = mem.algorithms.flatMap((a) => a.perGroup.flatMap((g) => {
    const algorithm = algorithmLabel(a.algorithm);
    const share = (b: number) => (g.n ? g.counts[b] / g.n : 0);
    const rows: Record<string, unknown>[] = [];
    for (let b = first; b <= last; b++) rows.push({ kind: 'bin', algorithm, group: g.name, x: edges[b], share: share(b) });
    // Step-after lines need a closing point at the last bin's upper edge.
    rows.push({ kind: 'bin', algorithm, group: g.name, x: edges[last + 1], share: share(last) });
    if (g.mean !== null) rows.push({ kind: 'mean', algorithm, group: g.name, x: g.mean });
    return rows;
  }));
  const domain = [edges[first], edges[last + 1]];
  const columns = Math.min(2, groups.length);
  const x = { field: 'x', type: 'quantitative' as const, title: 'Memorization score', scale: { domain, nice: false } };
  const color = { field: 'algorithm', type: 'nominal' as const, title: 'Algorithm', scale: paletteFor(palette, mem.algorithms.map((a) => algorithmLabel(a.algorithm))) };
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    data: { values },
    columns,
    facet: { field: 'group', type: 'nominal', title: null, sort: groups },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: Math.floor(CHART_WIDTH / columns) - 80,
      height: 170,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'bin'" }],
          mark: { type: 'area', interpolate: 'step-after', fillOpacity: 0.15, line: { strokeWidth: 1.8 } },
          encoding: {
            x, color,
            y: { field: 'share', type: 'quantitative', title: 'Share of group', stack: null, axis: { format: '.0%' } },
          },
        },
        {
          transform: [{ filter: "datum.kind === 'mean'" }],
          mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x, color },
        },
      ],
    },
  };
}

/** Reliability diagram: observed accuracy vs predicted confidence per bin; on the diagonal means calibrated. */
export function reliabilitySpec(reliability: Reliability, palette: Palette): TopLevelSpec {
  const values = reliability.curves.flatMap((c) => c.bins.map((b) => ({ model: algorithmLabel(c.model), ...b })));
  const lo = Math.floor(Math.min(...values.flatMap((v) => [v.lower, v.accuracy])) * 10) / 10;
  const axis = (title: string) => ({ type: 'quantitative' as const, title, scale: { domain: [lo, 1], nice: false }, axis: ACCURACY_AXIS });
  const models = reliability.curves.map((c) => algorithmLabel(c.model));
  const encoding = {
    x: { field: 'confidence', ...axis('Predicted confidence (mean in bin)') },
    y: { field: 'accuracy', ...axis('Observed accuracy') },
    color: { field: 'model', type: 'nominal' as const, title: 'Model', scale: paletteFor(palette, models) },
  };
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: 360,
    height: 360,
    layer: [
      {
        data: { values: [{ confidence: lo, accuracy: lo }, { confidence: 1, accuracy: 1 }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 3], strokeWidth: 1 },
        encoding: { x: encoding.x, y: encoding.y },
      },
      { data: { values }, mark: { type: 'line', strokeWidth: 1.8 }, encoding },
      {
        data: { values },
        mark: { type: 'point', filled: true, opacity: 0.9 },
        encoding: { ...encoding, size: { field: 'count', type: 'quantitative', title: 'Examples in bin', scale: { zero: false, range: [15, 220] } } },
      },
    ],
  };
}
