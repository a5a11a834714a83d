import type { XrmResult } from '../algorithms/xrm-result.js';

/**
 * How one XRM run is chosen among hyper-parameter combinations (docs/method.md §1.6):
 * - `paper`: the reference's rule, the highest last training flip rate;
 * - `held-out`: the highest held-out flip rate: the share of validation examples (where neither twin trained) that the
 *   final twins contradict with flip probability π ≥ ½. Uses validation labels, never groups.
 */
export const XRM_SELECTIONS = ['paper', 'held-out'] as const;
export type XrmSelection = (typeof XRM_SELECTIONS)[number];

/** The score a rule ranks a run by; a degenerate run scores 0 under either rule (docs/method.md §1.5). */
export function xrmScore(run: Pick<XrmResult, 'flipRate' | 'valFlipRate' | 'degenerate'>, rule: XrmSelection): number {
  if (run.degenerate) return 0;
  return rule === 'paper' ? run.flipRate : run.valFlipRate;
}

/** Index of the run a rule selects: the highest score, the first on ties. */
export function selectXrm(runs: Pick<XrmResult, 'flipRate' | 'valFlipRate' | 'degenerate'>[], rule: XrmSelection): number {
  if (!runs.length) throw new Error('no XRM run to select from');
  let best = 0;
  for (let i = 1; i < runs.length; i++) if (xrmScore(runs[i], rule) > xrmScore(runs[best], rule)) best = i;
  return best;
}
