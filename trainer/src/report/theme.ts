import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from './data.js';

/** Okabe–Ito: distinguishable under the common colour-vision deficiencies; yellow last (weak on white). */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

/** Display width the charts are laid out for (the report's content column). */
export const CHART_WIDTH = 880;

const ALGORITHM_LABELS: Record<string, string> = {
  erm: 'ERM', xrm: 'XRM', mat: 'MAT', 'group-dro': 'GroupDRO', jtt: 'JTT', irm: 'IRM',
};

/**
 * How an algorithm's registry name is shown (paper spelling); unknown names pass through.
 * @example algorithmLabel('group-dro') // 'GroupDRO'
 */
export function algorithmLabel(name: string): string {
  return ALGORITHM_LABELS[name] ?? name;
}

export interface Palette { domain: string[]; range: string[] }

/** One colour per algorithm label for the whole report, so ERM is the same colour in every chart. */
export function algorithmPalette(data: ReportData): Palette {
  const names = [
    ...data.runs.map((r) => r.algorithm),
    ...data.memorization.algorithms.map((a) => a.algorithm),
    ...(data.scores?.reliability?.curves.map((c) => c.model) ?? []),
  ];
  const domain = [...new Set(names.map(algorithmLabel))];
  return { domain, range: domain.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]) };
}

/** The palette narrowed to `labels`, in that order, so a chart's legend lists only what the chart shows. */
export function paletteFor(palette: Palette, labels: string[]): Palette {
  const domain = [...new Set(labels)];
  return { domain, range: domain.map((l) => palette.range[palette.domain.indexOf(l)] ?? '#777777') };
}

/** Shared look: readable sizes, quiet grid, legends above the plot so widths stay predictable. */
export const CHART_CONFIG: TopLevelSpec['config'] = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#d0d0d0' },
  axis: {
    labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#222', labelColor: '#333',
    gridColor: '#ececec', domainColor: '#888', tickColor: '#888', titlePadding: 8,
  },
  legend: { orient: 'top', labelLimit: 320, labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolStrokeWidth: 2.5 },
  header: { labelFontSize: 12, labelFontWeight: 'bold', labelColor: '#222', titleFontSize: 12 },
  line: { strokeWidth: 2 },
};
