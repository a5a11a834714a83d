/**
 * The features page: the published test rows of the first model, grouped by the manifest's group names, and a box to
 * paste a row of one's own (the only input where the bundle keeps its samples private). Each pick or paste is sent
 * once, as is: the worker runs the bundle's declared intervention on it in the same call (no second request).
 */
import type { ServedDemoModel } from '../config.js';
import type { DemoSample } from '../schema.js';
import { fetchPredictions, fetchSamples } from './api.js';
import { card, h, quote, unavailableCard } from './render.js';

/** Feature values the row view lists before "… N more". */
const SHOWN_VALUES = 12;
/** Test rows listed per group (a bundle may publish many; the page stays short). */
const ROWS_PER_GROUP = 10;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** A pasted row: numbers separated by commas, spaces or new lines; an error in words when it is not `dim` finite numbers. */
export function parseRow(text: string, dim: number): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length !== dim) return `This model reads ${dim} values per row; the pasted row has ${parts.length}.`;
  const values = parts.map(Number);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  return bad >= 0 ? `Value ${bad + 1} (${parts[bad].slice(0, 20)}) is not a number.` : values;
}

export function startFeatures(models: ServedDemoModel[], els: { status: HTMLElement; results: HTMLElement; picked: HTMLElement }): void {
  const model = models[0];
  const featureNames = model.input.kind === 'features' ? model.input.featureNames : [];
  const state = { request: 0, sample: null as DemoSample | null };
  let buttons: { button: HTMLButtonElement; item: DemoSample }[] = [];

  const showRow = (input: number[]) => {
    const rows = input.slice(0, SHOWN_VALUES).map((v, j) => h('tr', {}, h('th', {}, featureNames[j] ?? `feature ${j}`), h('td', {}, String(v))));
    if (input.length > SHOWN_VALUES) rows.push(h('tr', {}, h('td', { colspan: 2, class: 'muted' }, `… ${input.length - SHOWN_VALUES} more`)));
    const table = $('row-view');
    table.querySelector('tbody')!.replaceChildren(...rows);
    table.hidden = false;
  };

  async function predict(input: number[], truth: number | null): Promise<void> {
    const id = ++state.request;
    els.status.textContent = 'Asking the models…';
    try {
      const body = await fetchPredictions([input]);
      if (id !== state.request) return;
      els.status.textContent = '';
      els.results.replaceChildren(
        ...body.models.flatMap((result) => {
          const m = models.find((x) => x.id === result.id);
          return m ? [card(result, { model: m, truth, otherColours: [], image: null })] : [];
        }),
        ...body.unavailable.map(unavailableCard),
      );
    } catch (e) {
      if (id === state.request) els.status.textContent = `The models could not answer: ${(e as Error).message}`;
    }
  }

  function pick(item: DemoSample): void {
    state.sample = item;
    for (const b of buttons) b.button.setAttribute('aria-pressed', String(b.item === item));
    els.picked.textContent = `Test row #${item.id}: its true class is ${quote(item.class_name)}${item.group ? ` (group: ${item.group})` : ''}.`;
    showRow(item.input);
    void predict(item.input, item.label);
  }

  async function loadSamples(): Promise<void> {
    const box = $('sample-groups');
    try {
      const body = await fetchSamples();
      // By group, in the manifest's order; rows without a group last.
      const order = [...model.groupNames, null];
      const byGroup = new Map<string | null, DemoSample[]>(order.map((g) => [g, []]));
      for (const item of body.items) (byGroup.get(item.group) ?? byGroup.get(null)!).push(item);
      buttons = [];
      const sections = [...byGroup].filter(([, items]) => items.length).map(([group, items]) => h('div', { class: 'sample-group', 'data-group': group ?? '' },
        h('h4', {}, group ?? 'no group'),
        h('div', { class: 'sample-rows' }, items.slice(0, ROWS_PER_GROUP).map((item) => {
          const button = h('button', { type: 'button', class: 'sample row-sample', 'aria-pressed': 'false', title: `true class ${item.class_name}`, onclick: () => pick(item) },
            `#${item.id} \u00b7 ${item.class_name}`);
          buttons.push({ button, item });
          return button;
        }))));
      box.replaceChildren(...sections);
      if (buttons.length) pick(buttons[0].item);
    } catch (e) {
      box.replaceChildren(h('p', { class: 'muted' }, `No test rows available (${(e as Error).message}).`));
    }
  }

  $('score-paste').addEventListener('click', () => {
    const row = parseRow($<HTMLTextAreaElement>('paste').value, model.input.dim);
    const error = $('paste-error');
    if (typeof row === 'string') {
      error.textContent = row;
      return;
    }
    error.textContent = '';
    state.sample = null;
    for (const b of buttons) b.button.setAttribute('aria-pressed', 'false');
    els.picked.textContent = 'Your row:';
    showRow(row);
    void predict(row, null);
  });

  if (model.publishesSamples) void loadSamples();
  else els.status.textContent = 'Paste a row to begin.';
}
