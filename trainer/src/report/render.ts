import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a vega-lite spec to an SVG string in Node, headless. The 'none' renderer needs no DOM or
 * canvas; without node-canvas vega estimates text widths (0.8 × font size per character), which only
 * makes legends and labels slightly roomier. Compile warnings are thrown, not logged: a warning means
 * a chart silently differs from its spec.
 * @example const svg = await renderSvg({ data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } });
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args: unknown[]) => (warnings.push(args.map(String).join(' ')), logger);
  const { spec: compiled } = compile(spec, { logger });
  if (warnings.length) throw new Error(`vega-lite: ${warnings.join('; ')}`);
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
