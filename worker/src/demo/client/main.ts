/**
 * The demo page's browser code (bundled by scripts/build-demo.mjs into one inline script under the page's CSP nonce):
 * for an image bundle, draw a digit or pick a test example and choose its colour; for a features bundle, pick a
 * published test row by group or paste one; then show what every demo model says about it.
 */
import type { DemoConfig, ServedDemoModel } from '../config.js';
import type { DemoSample } from '../schema.js';
import { fetchPredictions, fetchSamples } from './api.js';
import { channelColours, createPad, paint } from './draw.js';
import { dominantChannel, greyOf, imageGrid, vectorOf } from './input.js';
import { startFeatures } from './features.js';
import { card, h, quote, unavailableCard } from './render.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const config = JSON.parse($('demo-config').textContent ?? '{}') as DemoConfig;
const models = config.models.filter((m): m is ServedDemoModel => m.ok);
const statusEl = $('status'), resultsEl = $('results'), pickedEl = $('picked');
const READY = 'Draw a digit or pick one to begin.';

function start(): void {
  if (!models.length) {
    statusEl.textContent = 'No model is being served right now.';
    statusEl.className = 'unavailable';
    $('input-panel').hidden = true;
    return;
  }
  if (models[0].input.kind === 'features') {
    startFeatures(models, { status: statusEl, results: resultsEl, picked: pickedEl });
    return;
  }
  const spec = models[0].input;
  const grid = imageGrid(spec);
  const channels = grid?.channels ?? 1;
  const channelNames = spec.kind === 'image' ? spec.channelNames : [];
  const colours = channelColours(channelNames);
  const channelLabel = (k: number) => channelNames[k] || `channel ${k}`;
  const state = { colour: 0, grey: null as Float32Array | null, sample: null as DemoSample | null, drawn: false, request: 0 };
  const otherColours = () => Array.from({ length: channels }, (_, k) => k).filter((k) => k !== state.colour);
  const preview = $<HTMLCanvasElement>('preview');
  const showPreview = (vector: number[]) => grid && paint(preview, grid, colours, vector);

  let sampleButtons: { button: HTMLButtonElement; item: DemoSample }[] = [];
  const markSample = (item: DemoSample | null) => {
    for (const b of sampleButtons) b.button.setAttribute('aria-pressed', String(b.item === item));
  };

  const pad = grid && createPad($<HTMLCanvasElement>('pad'), grid, () => colours[state.colour], {
    start() {
      if (!state.sample) return;
      state.sample = null;
      markSample(null);
      pad!.clear();
    },
    drawn(grey) {
      state.drawn = true;
      state.grey = grey;
      update();
    },
  });

  /** The chosen colour first, then the other colours; a test example in its own colour is sent exactly as stored. */
  function currentInputs(): number[][] {
    if (!grid || !state.grey) return state.sample ? [state.sample.input] : [];
    const exact = state.sample && !state.drawn && state.colour === dominantChannel(grid, state.sample.input);
    const grey = state.grey;
    return [exact ? state.sample!.input : vectorOf(grid, grey, state.colour), ...otherColours().map((k) => vectorOf(grid, grey, k))];
  }

  async function predict(): Promise<void> {
    const id = ++state.request;
    try {
      const body = await fetchPredictions(currentInputs());
      if (id !== state.request) return;
      statusEl.textContent = '';
      const truth = state.sample && !state.drawn ? state.sample.label : null;
      const context = { truth, otherColours: otherColours().map(channelLabel), image: grid && { grid, colours } };
      resultsEl.replaceChildren(
        ...body.models.flatMap((result) => {
          const model = models.find((m) => m.id === result.id);
          return model ? [card(result, { ...context, model })] : [];
        }),
        ...body.unavailable.map(unavailableCard),
      );
    } catch (e) {
      if (id === state.request) statusEl.textContent = `The models could not answer: ${(e as Error).message}`;
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  function update(): void {
    if (!grid || !state.grey) return;
    showPreview(vectorOf(grid, state.grey, state.colour));
    statusEl.textContent = 'Asking the models…';
    clearTimeout(timer);
    timer = setTimeout(predict, 60);
  }

  const colourInputs = channelNames.map((name, k) => {
    const input = h('input', { type: 'radio', name: 'colour', value: k, onchange: () => setColour(k) });
    $('colours').append(h('label', { class: 'chip' }, input, h('span', { class: 'dot', style: { background: colours[k] } }), name));
    return input;
  });
  function setColour(k: number): void {
    state.colour = k;
    colourInputs.forEach((input, j) => { input.checked = j === k; });
    pad?.render(colours[k]);
    update();
  }
  $('swap').addEventListener('click', () => setColour((state.colour + 1) % channels));
  $('clear').addEventListener('click', () => {
    pad?.clear();
    Object.assign(state, { grey: null, sample: null, drawn: false });
    markSample(null);
    pad?.render(colours[state.colour]);
    if (grid) showPreview(vectorOf(grid, new Float32Array(grid.height * grid.width), 0));
    resultsEl.replaceChildren();
    statusEl.textContent = READY;
    pickedEl.textContent = '';
  });

  function pickSample(item: DemoSample): void {
    state.sample = item;
    state.drawn = false;
    markSample(item);
    pickedEl.textContent = `Test example #${item.id}: its true class is ${quote(item.class_name)}${item.group ? ` (group: ${item.group})` : ''}.`;
    if (!grid || !pad) {
      void predict();
      return;
    }
    state.grey = greyOf(grid, item.input);
    pad.showGrey(state.grey);
    setColour(dominantChannel(grid, item.input));
  }

  async function loadSamples(): Promise<void> {
    const box = $('samples');
    try {
      const body = await fetchSamples();
      sampleButtons = body.items.slice(0, 24).map((item) => {
        const canvas = grid ? paint(document.createElement('canvas'), grid, colours, item.input) : null;
        const title = `true class ${item.class_name}${item.group ? ` · ${item.group}` : ''}`;
        const button = h('button', { type: 'button', class: 'sample', 'aria-pressed': 'false', title, onclick: () => pickSample(item) }, canvas, item.class_name);
        return { button, item };
      });
      box.replaceChildren(...sampleButtons.map((b) => b.button));
      if (sampleButtons.length && !state.grey) pickSample(sampleButtons[0].item);
    } catch (e) {
      box.replaceChildren(h('p', { class: 'muted' }, `No test examples available (${(e as Error).message}).`));
    }
  }

  if (grid) {
    setColour(0);
    showPreview(vectorOf(grid, new Float32Array(grid.height * grid.width), 0));
  } else {
    $('draw-area').hidden = true;
  }
  void loadSamples();
}

start();
