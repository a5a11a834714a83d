/**
 * The demo page's script (inline, CSP nonce). Plain browser JavaScript, kept free of template-literal syntax so that
 * it can live in this string; the browser end-to-end test (tests/e2e) runs it in Chromium.
 */
export const CLIENT_JS = String.raw`
(() => {
  'use strict';
  const config = JSON.parse(document.getElementById('demo-config').textContent);
  const models = config.models.filter((m) => m.ok);
  const $ = (id) => document.getElementById(id);
  const statusEl = $('status'), resultsEl = $('results');

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') el.className = v;
      else if (k === 'style') Object.assign(el.style, v); // CSSOM, not a style attribute: allowed by the page's CSP
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
  }
  const pct = (v) => Math.round(v * 100) + '%';
  const num = (v) => v.toFixed(2);
  const quote = (s) => '\u201c' + s + '\u201d';

  if (!models.length) {
    const reasons = config.models.map((m) => m.id + ': ' + m.reason).join('; ');
    statusEl.textContent = 'No model is being served right now (' + reasons + ').';
    statusEl.className = 'unavailable';
    $('input-panel').hidden = true;
    return;
  }

  const spec = models[0].input;
  const image = spec.kind === 'image';
  const C = image ? spec.channels : 1, H = image ? spec.height : 0, W = image ? spec.width : 0;
  const [LO, HI] = image ? spec.range : [0, 1];
  const PALETTE = ['#e53935', '#43a047', '#1e88e5', '#fdd835'];
  const channelNames = image ? spec.channelNames : [];
  const channelCss = channelNames.map((n, k) => (CSS.supports('color', n) ? n : PALETTE[k % PALETTE.length]));
  const channelLabel = (k) => channelNames[k] || 'channel ' + k;

  const state = { colour: 0, grey: null, sample: null, drawn: false, request: 0 };

  // ---- images -------------------------------------------------------------------------------------------------
  /** Grey level per pixel (max over channels), in [0, 1]. */
  function greyOf(vector) {
    const g = new Float32Array(H * W);
    for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) g[i] = Math.max(g[i], (vector[c * H * W + i] - LO) / (HI - LO));
    return g;
  }
  /** The model input: the grey digit in one colour channel, the others dark. */
  function vectorOf(grey, colour) {
    const v = new Array(C * H * W).fill(LO);
    for (let i = 0; i < H * W; i++) v[colour * H * W + i] = LO + grey[i] * (HI - LO);
    return v;
  }
  /** Paints a channel-major vector (values in the input range) onto a canvas of W×H pixels. */
  function paint(canvas, vector) {
    canvas.width = W; canvas.height = H;
    const ctx = canvas.getContext('2d'), img = ctx.createImageData(W, H);
    const rgb = channelCss.map((css) => {
      const probe = document.createElement('canvas').getContext('2d');
      probe.fillStyle = css; probe.fillRect(0, 0, 1, 1);
      return probe.getImageData(0, 0, 1, 1).data;
    });
    for (let i = 0; i < H * W; i++) {
      let r = 0, g = 0, b = 0;
      for (let c = 0; c < C; c++) {
        const a = Math.min(1, Math.max(0, (vector[c * H * W + i] - LO) / (HI - LO)));
        r += a * rgb[c][0]; g += a * rgb[c][1]; b += a * rgb[c][2];
      }
      img.data.set([Math.min(255, r), Math.min(255, g), Math.min(255, b), 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
    return canvas;
  }
  const bytesToVector = (b64) => Array.from(atob(b64), (ch) => LO + (ch.charCodeAt(0) / 255) * (HI - LO));

  // ---- drawing pad --------------------------------------------------------------------------------------------
  // The user draws on a grid twice the model's resolution (28×28 for a 14×14 model); like the training data,
  // the model input keeps every second row and column.
  const pad = $('pad'), padCtx = pad.getContext('2d');
  const GH = 2 * H, GW = 2 * W, CELL = pad.width / GW;
  const ink = document.createElement('canvas');
  ink.width = pad.width; ink.height = pad.height;
  const inkCtx = ink.getContext('2d');

  function clearInk() {
    inkCtx.fillStyle = '#000'; inkCtx.fillRect(0, 0, ink.width, ink.height);
  }
  function renderPad() {
    padCtx.globalCompositeOperation = 'source-over';
    padCtx.drawImage(ink, 0, 0);
    padCtx.globalCompositeOperation = 'multiply';
    padCtx.fillStyle = channelCss[state.colour]; padCtx.fillRect(0, 0, pad.width, pad.height);
    padCtx.globalCompositeOperation = 'source-over';
    padCtx.strokeStyle = 'rgba(255,255,255,0.07)'; padCtx.lineWidth = 1;
    padCtx.beginPath();
    for (let i = 1; i < GW; i++) { padCtx.moveTo(i * CELL + 0.5, 0); padCtx.lineTo(i * CELL + 0.5, pad.height); }
    for (let i = 1; i < GH; i++) { padCtx.moveTo(0, i * CELL + 0.5); padCtx.lineTo(pad.width, i * CELL + 0.5); }
    padCtx.stroke();
  }
  /** The ink as MNIST prepares digits: fitted into a 20/28 box, centred on its centre of mass, then every 2nd pixel. */
  function greyFromInk() {
    const data = inkCtx.getImageData(0, 0, ink.width, ink.height).data;
    let x0 = ink.width, y0 = ink.height, x1 = -1, y1 = -1;
    for (let y = 0; y < ink.height; y++) for (let x = 0; x < ink.width; x++) {
      if (data[(y * ink.width + x) * 4] > 20) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
    if (x1 < 0) return null;
    const bw = x1 - x0 + 1, bh = y1 - y0 + 1, box = GW * 20 / 28, s = box / Math.max(bw, bh);
    const fit = document.createElement('canvas');
    fit.width = GW; fit.height = GH;
    const fctx = fit.getContext('2d');
    fctx.imageSmoothingEnabled = true; fctx.imageSmoothingQuality = 'high';
    fctx.fillStyle = '#000'; fctx.fillRect(0, 0, GW, GH);
    fctx.drawImage(ink, x0, y0, bw, bh, (GW - bw * s) / 2, (GH - bh * s) / 2, bw * s, bh * s);
    const g = fctx.getImageData(0, 0, GW, GH).data;
    let m = 0, mx = 0, my = 0;
    for (let y = 0; y < GH; y++) for (let x = 0; x < GW; x++) { const v = g[(y * GW + x) * 4] / 255; m += v; mx += v * x; my += v * y; }
    const dx = Math.round(GW / 2 - 0.5 - mx / m), dy = Math.round(GH / 2 - 0.5 - my / m);
    const grey = new Float32Array(H * W);
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
      const y = 2 * r - dy, x = 2 * c - dx;
      grey[r * W + c] = y >= 0 && y < GH && x >= 0 && x < GW ? g[(y * GW + x) * 4] / 255 : 0;
    }
    return grey;
  }
  /** Shows a model-resolution digit on the pad (each pixel a 2×2 block of the grid). */
  function inkFromGrey(grey) {
    clearInk();
    for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
      const v = Math.round(grey[r * W + c] * 255);
      if (v) { inkCtx.fillStyle = 'rgb(' + v + ',' + v + ',' + v + ')'; inkCtx.fillRect(c * 2 * CELL, r * 2 * CELL, 2 * CELL, 2 * CELL); }
    }
  }

  let last = null;
  const at = (e) => { const r = pad.getBoundingClientRect(); return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height]; };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    if (state.sample) { state.sample = null; markSample(null); clearInk(); }
    last = at(e);
    stroke(last, last);
  });
  pad.addEventListener('pointermove', (e) => { if (last) { const p = at(e); stroke(last, p); last = p; } });
  const end = () => { if (last) { last = null; state.drawn = true; state.grey = greyFromInk(); update(); } };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  function stroke(a, b) {
    inkCtx.strokeStyle = '#fff'; inkCtx.lineCap = 'round'; inkCtx.lineJoin = 'round'; inkCtx.lineWidth = CELL * 2.4;
    inkCtx.beginPath(); inkCtx.moveTo(a[0], a[1]); inkCtx.lineTo(b[0], b[1]); inkCtx.stroke();
    renderPad();
  }
  $('clear').addEventListener('click', () => {
    clearInk(); state.grey = null; state.sample = null; state.drawn = false; markSample(null);
    renderPad(); paint($('preview'), vectorOf(new Float32Array(H * W), 0));
    resultsEl.replaceChildren(); statusEl.textContent = 'Draw a digit or pick one to begin.'; $('picked').textContent = '';
  });

  // ---- colour -------------------------------------------------------------------------------------------------
  const colourInputs = channelNames.map((name, k) => {
    const input = h('input', { type: 'radio', name: 'colour', value: k, onchange: () => setColour(k) });
    $('colours').append(h('label', { class: 'chip' }, input, h('span', { class: 'dot', style: { background: channelCss[k] } }), name));
    return input;
  });
  function setColour(k) {
    state.colour = k;
    colourInputs.forEach((input, j) => { input.checked = j === k; });
    renderPad();
    update();
  }
  $('swap').addEventListener('click', () => setColour((state.colour + 1) % C));

  // ---- test samples -------------------------------------------------------------------------------------------
  let sampleButtons = [];
  function markSample(item) { sampleButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.item === item))); }
  /** The colour channel holding most of a vector's ink. */
  function dominantChannel(vector) {
    let best = 0, bestInk = -1;
    for (let c = 0; c < C; c++) { let s = 0; for (let i = 0; i < H * W; i++) s += vector[c * H * W + i]; if (s > bestInk) { best = c; bestInk = s; } }
    return best;
  }
  function pickSample(item) {
    state.sample = item; state.drawn = false; markSample(item);
    $('picked').textContent = 'Test example #' + item.id + ': its true class is ' + quote(item.class_name) + (item.group ? ' (group: ' + item.group + ')' : '') + '.';
    if (!image) { state.grey = true; predict(); return; }
    state.grey = greyOf(item.input);
    inkFromGrey(state.grey);
    setColour(dominantChannel(item.input));
  }
  async function loadSamples() {
    const box = $('samples');
    try {
      const res = await fetch('/demo/samples');
      const body = await res.json();
      if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
      sampleButtons = body.items.slice(0, 24).map((item) => {
        const canvas = image ? paint(document.createElement('canvas'), item.input) : null;
        const b = h('button', { type: 'button', class: 'sample', role: 'listitem', 'aria-pressed': 'false', title: 'true class ' + item.class_name + (item.group ? ' · ' + item.group : ''), onclick: () => pickSample(item) }, canvas, item.class_name);
        b.item = item;
        return b;
      });
      box.replaceChildren(...sampleButtons);
      if (sampleButtons.length && !state.grey) pickSample(sampleButtons[0].item);
    } catch (e) {
      box.replaceChildren(h('p', { class: 'muted' }, 'No test examples available (' + e.message + ').'));
    }
  }

  // ---- predictions --------------------------------------------------------------------------------------------
  /** The chosen colour first, then the other colours; a test example in its own colour is sent exactly as stored. */
  function currentInputs() {
    if (!image) return [state.sample.input];
    const exact = state.sample && !state.drawn && state.colour === dominantChannel(state.sample.input);
    return [exact ? state.sample.input : vectorOf(state.grey, state.colour)].concat(otherColours().map((k) => vectorOf(state.grey, k)));
  }
  const otherColours = () => Array.from({ length: C }, (_, k) => k).filter((k) => k !== state.colour);

  let timer = null;
  function update() {
    if (!state.grey) return;
    paint($('preview'), vectorOf(state.grey, state.colour));
    statusEl.textContent = 'Asking the models…';
    clearTimeout(timer);
    timer = setTimeout(predict, 60);
  }
  async function predict() {
    const id = ++state.request;
    try {
      const res = await fetch('/demo/predict', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: currentInputs() }) });
      const body = await res.json();
      if (id !== state.request) return;
      if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
      statusEl.textContent = '';
      resultsEl.replaceChildren(...body.models.map(card), ...body.unavailable.map((u) => h('div', { class: 'card' }, h('h3', {}, u.id), h('p', { class: 'unavailable' }, 'Unavailable: ' + u.reason))));
    } catch (e) {
      if (id === state.request) statusEl.textContent = 'The models could not answer: ' + e.message;
    }
  }

  const ALGORITHMS = { mat: 'memorization-aware training', erm: 'ordinary training (ERM)', jtt: 'Just Train Twice', 'group-dro': 'Group DRO', xrm: 'cross-risk minimization' };
  function gauge(name, value, note) {
    const ns = 'http://www.w3.org/2000/svg', svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 120 70');
    const arc = (v, colour, width) => {
      const a = Math.PI * (1 - Math.min(1, Math.max(0, v))), x = 60 + 48 * Math.cos(a), y = 62 - 48 * Math.sin(a);
      const p = document.createElementNS(ns, 'path');
      p.setAttribute('d', 'M 12 62 A 48 48 0 0 1 ' + x.toFixed(2) + ' ' + y.toFixed(2));
      p.setAttribute('fill', 'none'); p.setAttribute('stroke', colour); p.setAttribute('stroke-width', width); p.setAttribute('stroke-linecap', 'round');
      return p;
    };
    const colour = value < 0.33 ? '#1f8a4c' : value < 0.66 ? '#e0a800' : '#c0392b';
    svg.append(arc(1, '#eef1f5', 11));
    if (value > 0.005) svg.append(arc(value, colour, 11));
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', '60'); t.setAttribute('y', '60'); t.setAttribute('text-anchor', 'middle'); t.setAttribute('class', 'value');
    t.textContent = num(value);
    svg.append(t);
    return h('div', { class: 'gauge', 'data-gauge': name, 'data-value': value }, svg, h('div', { class: 'name' }, name), h('div', { class: 'note' }, note));
  }

  function explanation(model, p) {
    const cls = (k) => quote(model.classNames[k]);
    const s = p.spurious, m = p.memorization, lines = [];
    lines.push('The model answers ' + cls(p.label) + ' and is ' + pct(p.probabilities[p.label]) + ' sure.');
    if (s.conflict) lines.push('The colour alone points to ' + cls(s.shortcut_label) + ' (' + pct(s.shortcut_confidence) + '): this answer goes against the colour, so it must come from the shape.');
    else if (s.reliance >= 0.5) lines.push('The colour alone would also say ' + cls(p.label) + ' (' + pct(s.shortcut_confidence) + '): this answer could come from the colour rather than the shape.');
    else lines.push('The colour alone is unsure about this digit (' + pct(s.shortcut_confidence) + '), so the shortcut gives this answer little support.');
    if (s.flip_probability !== null) lines.push(s.flip_probability >= 0.5
      ? 'Estimated from the model itself: in another colour this answer would probably change (' + pct(s.flip_probability) + ').'
      : 'Estimated from the model itself: in another colour this answer would probably stay (' + pct(1 - s.flip_probability) + ').');
    if (s.slice_accuracy !== null) lines.push('On validation digits like this one (same answer, same relation to the colour) the model was right ' + pct(s.slice_accuracy) + ' of the time.');
    if (m.member) lines.push('This exact image is a training example: the answer rests ' + (m.score >= 0.5 ? 'largely' : m.score >= 0.1 ? 'partly' : 'hardly') + ' on having memorized it (measured score ' + num(m.score) + ').');
    else if (m.percentile >= 0.9) lines.push('Its most similar training digits had to be memorized (score ' + num(m.score) + ', higher than ' + pct(m.percentile) + ' of validation digits): the answer may rest on a few remembered examples.');
    else lines.push('The answer rests on a general pattern more than on memorized examples (score ' + num(m.score) + ').');
    if (m.twin_disagreement >= 0.3) lines.push('Two models trained on different halves of the data disagree here (' + num(m.twin_disagreement) + '): a hard or unusual digit.');
    return h('div', { class: 'explain' }, lines.map((l) => h('p', {}, l)));
  }

  function card(result) {
    const model = models.find((m) => m.id === result.id) || { classNames: [], algorithm: result.algorithm };
    const [p, ...swapped] = result.predictions;
    const truth = state.sample && !state.drawn ? state.sample.label : null;
    const algo = result.algorithm.toLowerCase();
    const header = h('h3', {}, h('span', { class: 'badge ' + algo }, algo.toUpperCase()), result.id, h('span', { class: 'muted' }, 'v' + result.version));
    const metrics = model.test && model.test.average !== null ? 'test accuracy ' + pct(model.test.average) + ', worst group ' + pct(model.test.worstGroup) : '';
    const verdict = truth === null ? null : h('span', { class: 'verdict ' + (truth === p.label ? 'right' : 'wrong') }, truth === p.label ? '\u2713 correct' : '\u2717 wrong');
    const bars = h('div', { class: 'bars' }, p.probabilities.map((v, k) => h('div', { class: 'bar' }, h('span', {}, model.classNames[k]), h('span', { class: 'track' }, h('span', { class: 'fill', style: { width: (v * 100).toFixed(1) + '%' } })), h('span', {}, pct(v)))));
    const m = p.memorization, s = p.spurious;
    const gauges = h('div', { class: 'gauges' },
      gauge('Memorization', m.score, m.member ? 'training image (measured)' : 'higher than ' + pct(m.percentile) + ' of validation digits'),
      gauge('Shortcut reliance', s.reliance, s.conflict ? 'answer goes against the colour' : 'colour says ' + quote(model.classNames[s.shortcut_label]) + ' (' + pct(s.shortcut_confidence) + ')'),
      s.counterfactual_change === null ? null : gauge('Colour dependence', s.counterfactual_change, 'estimated chance the answer flips in another colour: ' + pct(s.flip_probability)));
    const checks = swapped.map((q, i) => {
      const colour = channelLabel(otherColours()[i]);
      const flips = q.label !== p.label;
      return h('div', { class: 'check ' + (flips ? 'flips' : 'stable'), 'data-check': flips ? 'flips' : 'stable' }, flips
        ? '\u26a0 The same digit in ' + colour + ' gets ' + quote(model.classNames[q.label]) + ' (' + pct(q.probabilities[q.label]) + '): this model follows the colour.'
        : '\u2713 The same digit in ' + colour + ' keeps the answer ' + quote(model.classNames[q.label]) + ' (' + pct(q.probabilities[q.label]) + '): the colour does not change its mind.');
    });
    const nearest = (m.nearest || []).map((n) => {
      const pixels = result.exemplar_pixels[n.id];
      const canvas = pixels && image ? paint(document.createElement('canvas'), bytesToVector(pixels)) : null;
      return h('div', { class: 'exemplar', title: 'training example #' + n.id + ', similarity ' + num(n.similarity) }, canvas, h('div', {}, model.classNames[n.label]), h('div', {}, 'memorized ' + num(n.score)));
    });
    return h('article', { class: 'card', 'data-model': result.id },
      header,
      h('div', { class: 'meta' }, (ALGORITHMS[algo] || result.algorithm) + (metrics ? ' \u00b7 ' + metrics : '')),
      h('div', { class: 'answer' }, 'Says ', h('b', { 'data-answer': '' }, model.classNames[p.label]), verdict),
      bars, gauges, checks, explanation(model, p),
      nearest.length ? h('div', {}, h('div', { class: 'meta' }, 'Most similar training examples, with how much each was memorized:'), h('div', { class: 'nearest' }, nearest)) : null);
  }

  // ---- start --------------------------------------------------------------------------------------------------
  if (image) {
    clearInk(); setColour(0);
    paint($('preview'), vectorOf(new Float32Array(H * W), 0));
  } else {
    $('draw-area').hidden = true;
  }
  loadSamples();
})();
`;
