/** One model card: answer, probabilities, gauges, the colour check, a plain-language reading, nearest exemplars. */
import { base64ToBytes } from '#shared/base64';
import type { ServedDemoModel } from '../config.js';
import type { DemoModelResult, DemoPrediction, DemoUnavailable } from '../schema.js';
import { paint } from './draw.js';
import { bytesToVector, type ImageGrid } from './input.js';
import { capitalize, quote, wordingOf, type Wording } from '../wording.js';

type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, string | number | boolean | null | undefined | Partial<CSSStyleDeclaration> | ((e: Event) => void)>;

/** A DOM element with attributes, listeners and children (text is never parsed as markup). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') el.className = String(v);
    else if (k === 'style') Object.assign(el.style, v); // CSSOM, not a style attribute: allowed by the page's CSP
    else if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? '' : String(v));
  }
  const append = (c: Child) => {
    if (Array.isArray(c)) c.forEach(append);
    else if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  };
  children.forEach(append);
  return el;
}

export const pct = (v: number) => `${Math.round(v * 100)}%`;
const num = (v: number) => v.toFixed(2);
export { quote };

const ALGORITHMS: Record<string, string> = {
  mat: 'memorization-aware training', erm: 'ordinary training (ERM)', jtt: 'Just Train Twice', 'group-dro': 'Group DRO', xrm: 'cross-risk minimization',
};

const SVG = 'http://www.w3.org/2000/svg';

/** A half-circle gauge of a 0…1 score, green → amber → red. */
function gauge(name: string, value: number, note: string): HTMLElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 120 70');
  const arc = (v: number, colour: string) => {
    const a = Math.PI * (1 - Math.min(1, Math.max(0, v))), x = 60 + 48 * Math.cos(a), y = 62 - 48 * Math.sin(a);
    const p = document.createElementNS(SVG, 'path');
    p.setAttribute('d', `M 12 62 A 48 48 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`);
    for (const [k, v] of [['fill', 'none'], ['stroke', colour], ['stroke-width', '11'], ['stroke-linecap', 'round']]) p.setAttribute(k, v);
    return p;
  };
  svg.append(arc(1, '#eef1f5'));
  if (value > 0.005) svg.append(arc(value, value < 0.33 ? '#1f8a4c' : value < 0.66 ? '#e0a800' : '#c0392b'));
  const t = document.createElementNS(SVG, 'text');
  for (const [k, v] of [['x', '60'], ['y', '60'], ['text-anchor', 'middle'], ['class', 'value']]) t.setAttribute(k, v);
  t.textContent = num(value);
  svg.append(t);
  return h('div', { class: 'gauge', 'data-gauge': name, 'data-value': value }, svg, h('div', { class: 'name' }, name), h('div', { class: 'note' }, note));
}

/** A memorization score (in − out p(y|x)) from which the page no longer speaks of a general pattern. */
const MEMORIZED_SCORE = 0.3;

/** The prediction in plain language, in the model's own words (wording.ts): answer, shortcut, dependence, memorization. */
function explanation(model: ServedDemoModel, w: Wording, p: DemoPrediction): HTMLElement {
  const cls = (k: number) => quote(model.classNames[k]);
  const s = p.spurious, m = p.memorization, lines: string[] = [], Shortcut = capitalize(w.shortcut);
  lines.push(`The model answers ${cls(p.label)} and is ${pct(p.probabilities[p.label])} sure.`);
  if (s.conflict) lines.push(`${Shortcut} alone points to ${cls(s.shortcut_label)} (${pct(s.shortcut_confidence)}): this answer goes against ${w.shortcut}, so it must come from ${w.pattern}.`);
  else if (s.reliance >= 0.5) lines.push(`${Shortcut} alone would also say ${cls(p.label)} (${pct(s.shortcut_confidence)}): this answer could come from ${w.shortcut} rather than ${w.pattern}.`);
  else lines.push(`${Shortcut} alone gives this answer little support (reliance ${num(s.reliance)}): it is not the shortcut's answer.`);
  if (s.flip !== null && w.intervened) lines.push(`${s.intervention === 'applied' ? 'Run through the model' : 'Estimated from the model'}: ${w.intervened} this answer ${s.flip ? 'changes' : 'stays'} (the probabilities move by ${num(s.counterfactual_change ?? 0)}).`);
  if (s.slice_accuracy !== null) lines.push(`On validation ${w.examples} like this one (same answer, same relation to ${w.shortcut}) the model was right ${pct(s.slice_accuracy)} of the time.`);
  if (m.percentile >= 0.9) lines.push(`Its most similar training ${w.examples} had to be memorized (score ${num(m.score)}, higher than ${pct(m.percentile)} of validation ${w.examples}): the answer may rest on a few remembered examples.`);
  // The percentile is relative: a score can be high in absolute terms yet common for this model (e.g. ERM on the
  // minority), so a sizeable score below the 90th percentile is not called "a general pattern".
  else if (m.score >= MEMORIZED_SCORE) lines.push(`Its most similar training ${w.examples} were partly memorized (score ${num(m.score)}), as for many ${w.examples} this model sees: higher than ${pct(m.percentile)} of validation ${w.examples}.`);
  else lines.push(`The answer rests on a general pattern more than on memorized examples (score ${num(m.score)}).`);
  if (m.twin_disagreement >= 0.3) lines.push(`Two models trained on different halves of the data disagree here (${num(m.twin_disagreement)}): a hard or unusual ${w.example}.`);
  return h('div', { class: 'explain' }, lines.map((l) => h('p', {}, l)));
}

export interface CardContext {
  model: ServedDemoModel;
  /** The true label when a test example is shown unchanged, else null. */
  truth: number | null;
  /** Image models: names of the colours of the 2nd, 3rd… predictions (the colour check). */
  otherColours: string[];
  /** Image models: the grid and channel colours for painting exemplars. */
  image: { grid: ImageGrid; colours: string[] } | null;
}

/** The colour check of an image model: the same digit in each other colour, really run through the model. */
function colourChecks(model: ServedDemoModel, p: DemoPrediction, swapped: DemoPrediction[], otherColours: string[]): HTMLElement[] {
  return swapped.map((q, i) => {
    const flips = q.label !== p.label, colour = otherColours[i], answer = `${quote(model.classNames[q.label])} (${pct(q.probabilities[q.label])})`;
    return h('div', { class: `check ${flips ? 'flips' : 'stable'}`, 'data-check': flips ? 'flips' : 'stable' }, flips
      ? `\u26a0 The same digit in ${colour} gets ${answer}: this model follows the colour.`
      : `\u2713 The same digit in ${colour} keeps the answer ${answer}: the colour does not change its mind.`);
  });
}

/**
 * The counterfactual answer of a features model to its declared intervention: the same graph run on the intervened row
 * (`applied`), or on an estimate of it where the shortcut is not an input (`estimated`, as are old bundles' probes).
 */
function counterfactualCheck(model: ServedDemoModel, w: Wording, p: DemoPrediction): HTMLElement | null {
  const s = p.spurious;
  if (s.flip === null || !w.intervened) return null;
  const follows = model.shortcut.name ? `this model follows ${model.shortcut.name}` : 'this model follows the shortcut';
  const how = s.intervention === 'applied' ? 'run through the model' : 'estimated';
  return h('div', { class: `check ${s.flip ? 'flips' : 'stable'}`, 'data-check': s.flip ? 'flips' : 'stable', 'data-counterfactual': s.intervention ?? '' }, s.flip
    ? `\u26a0 ${capitalize(w.intervened)}, the answer changes (${how}): ${follows}.`
    : `\u2713 ${capitalize(w.intervened)}, the answer stays ${quote(model.classNames[p.label])} (${how}).`);
}

export function card(result: DemoModelResult, { model, truth, otherColours, image }: CardContext): HTMLElement {
  const [p, ...swapped] = result.predictions;
  const w = wordingOf(model);
  const algo = result.algorithm.toLowerCase();
  const metrics = model.test.average !== null && model.test.worstGroup !== null
    ? `test accuracy ${pct(model.test.average)}, worst group ${pct(model.test.worstGroup)}` : '';
  const verdict = truth === null ? null
    : h('span', { class: `verdict ${truth === p.label ? 'right' : 'wrong'}` }, truth === p.label ? '\u2713 correct' : '\u2717 wrong');
  const bars = h('div', { class: 'bars' }, p.probabilities.map((v, k) => h('div', { class: 'bar' },
    h('span', {}, model.classNames[k]), h('span', { class: 'track' }, h('span', { class: 'fill', style: { width: `${(v * 100).toFixed(1)}%` } })), h('span', {}, pct(v)))));
  const m = p.memorization, s = p.spurious;
  // Image cards keep their three gauges (the colour check shows the twin-like evidence); feature cards add the twins'.
  const dependence = s.counterfactual_change === null || !w.intervened ? null
    : gauge(w.dependence, s.counterfactual_change, `${s.intervention === 'applied' ? 'change of the probabilities' : 'estimated change of the probabilities'} ${w.intervened}`);
  const shown = [
    gauge('Memorization', m.score, `higher than ${pct(m.percentile)} of validation ${w.examples}`),
    gauge('Shortcut reliance', s.reliance, s.conflict ? `answer goes against ${w.shortcut}` : `${w.shortcut} says ${quote(model.classNames[s.shortcut_label])} (${pct(s.shortcut_confidence)})`),
    image ? null : gauge('Twin disagreement', m.twin_disagreement, 'of two models trained on halves of the data'),
    dependence,
  ].filter((g) => g !== null);
  const gauges = h('div', { class: shown.length > 3 ? 'gauges compact' : 'gauges' }, shown);
  const checks = image ? colourChecks(model, p, swapped, otherColours) : [counterfactualCheck(model, w, p)];
  const nearest = (m.nearest ?? []).map((n) => {
    const pixels = result.exemplar_pixels[n.id];
    const canvas = pixels && image ? paint(document.createElement('canvas'), image.grid, image.colours, bytesToVector(image.grid, base64ToBytes(pixels))) : null;
    return h('div', { class: 'exemplar', title: `training ${w.example} #${n.id}, similarity ${num(n.similarity)}`, 'data-exemplar': n.id },
      canvas, image ? null : h('div', { class: 'exemplar-id' }, `#${n.id}`), h('div', {}, model.classNames[n.label]), h('div', {}, `memorized ${num(n.score)}`));
  });
  return h('article', { class: 'card', 'data-model': result.id },
    h('h3', {}, h('span', { class: `badge ${algo}` }, algo.toUpperCase()), result.id, h('span', { class: 'muted' }, `v${result.version}`)),
    h('div', { class: 'meta' }, (ALGORITHMS[algo] ?? result.algorithm) + (metrics ? ` \u00b7 ${metrics}` : '')),
    h('div', { class: 'answer' }, 'Says ', h('b', { 'data-answer': '' }, model.classNames[p.label]), verdict),
    bars, gauges, checks, explanation(model, w, p),
    nearest.length ? h('div', {}, h('div', { class: 'meta' }, `Most similar training ${w.examples}, with how much each was memorized:`), h('div', { class: 'nearest' }, nearest)) : null);
}

export const unavailableCard = (u: DemoUnavailable) => h('div', { class: 'card' }, h('h3', {}, u.id), h('p', { class: 'unavailable' }, `Unavailable: ${u.reason}`));
