/** @jsxImportSource hono/jsx */
import { html } from 'hono/html';
import { CLIENT_JS } from './client.bundle.js';
import type { DemoConfig, ServedDemoModel } from './config.js';
import { STYLE } from './style.js';
import { oneOf, quote, wordingOf } from './wording.js';

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** The image page's glossary (Colored MNIST: digits and their colour). */
const ImageGlossary = () => (
  <details class="glossary">
    <summary>What do the gauges mean?</summary>
    <dl>
      <dt>Memorization</dt>
      <dd>How much the answer rests on individual training examples the model memorized rather than on a general pattern
        (0 = none, 1 = entirely), estimated from the training examples most similar to your digit; where the model's
        publisher allows it, they are shown below each card.</dd>
      <dt>Shortcut reliance</dt>
      <dd>How sure the colour alone (what models trained to find the shortcut say) is of the model's answer (0 = the
        colour says nothing or points the other way, 1 = the colour alone gives this answer).</dd>
      <dt>Colour dependence</dt>
      <dd>How much this model's answer moves when the same digit has the other colour (0 = not at all): the model is run
        on your digit in the other colour in the same call, so this is its own answer (a bundle written before that
        carries an estimate instead, and the card says so). The colour check below shows it.</dd>
      <dt>Colour check</dt>
      <dd>The same digit in the other colour. A model that reads the shape keeps its answer.</dd>
    </dl>
  </details>
);

/** The features page's glossary: every name from the manifest (classes, groups, the declared shortcut). */
const FeaturesGlossary = ({ model }: { model: ServedDemoModel }) => {
  const w = wordingOf(model), { name, intervention } = model.shortcut;
  return (
    <details class="glossary">
      <summary>What do the gauges mean?</summary>
      <dl>
        <dt>Memorization</dt>
        <dd>How much the answer rests on individual training rows the model memorized rather than on a general pattern
          (0 = none, 1 = entirely), estimated from the training rows most similar to this one; where the model's
          publisher allows it, their ids, classes and scores are listed below each card.</dd>
        <dt>Shortcut reliance</dt>
        <dd>How sure the shortcut alone (what models trained to find one say) is of the model's answer (0 = the shortcut
          says nothing or points the other way, 1 = the shortcut alone gives this answer).</dd>
        <dt>Twin disagreement</dt>
        <dd>How much two models trained on different halves of the data disagree on this row (0 = not at all): high on
          rows that are hard, unusual, or only learnt by memorizing.</dd>
        {intervention
          ? <><dt>{w.dependence}</dt>
            <dd>How much this model's answer moves {w.intervened} (0 = not at all): the model is run on the changed row
              in the same call (where {name ?? 'the shortcut'} is not one of the row's values, the change is estimated
              from validation rows, and the card says so); the note says whether the answer
              changes{name ? `, that is, whether it follows ${name}` : ''}.</dd></>
          : null}
      </dl>
    </details>
  );
};

const ImageHeader = () => (
  <header>
    <h1>Is the model reading the digit, or its colour?</h1>
    <p class="lede">Each model below sorts handwritten digits into two classes. In its training data
      the <b>colour</b> of a digit matched its class most of the time: a shortcut. A model that learns the
      shortcut gets confused when the colour changes, and it has to <b>memorize</b> the training digits that
      don't follow it. <b>MAT</b> (memorization-aware training) is trained to avoid both; <b>ERM</b> is ordinary
      training, for comparison. Draw a digit or pick one from the test set, choose its colour, and compare what the
      models say.</p>
  </header>
);

/** How many feature names the lede lists before "…". */
const SHOWN_FEATURES = 6;

const FeaturesHeader = ({ model }: { model: ServedDemoModel }) => {
  const names = model.input.kind === 'features' ? model.input.featureNames : [];
  const shown = names.length > SHOWN_FEATURES ? `${names.slice(0, SHOWN_FEATURES).join(', ')}, …` : names.join(', ');
  const { name, intervention } = model.shortcut;
  return (
    <header>
      <h1>{featuresTitle(model)}</h1>
      <p class="lede">Each model below sorts rows of {model.input.dim} features{shown ? ` (${shown})` : ''} into
        {' '}{oneOf(model.classNames.map(quote))}. Its data comes in groups: {model.groupNames.join(', ')}.{' '}
        {name
          ? <>The model's publisher declares <b>{name}</b> as the suspected shortcut{intervention ? ` (intervention: ${intervention})` : ''}.{' '}</>
          : null}
        A model that learns a shortcut fails on the groups where it does not hold, and has to <b>memorize</b> the
        training rows that don't follow it. <b>MAT</b> (memorization-aware training) is trained to avoid both; <b>ERM</b> is
        ordinary training, for comparison.{' '}
        {model.publishesSamples
          ? 'Pick a test row by its group, or paste one of your own, and compare what the models say.'
          : 'Paste a row of your own and compare what the models say.'}</p>
    </header>
  );
};

const ImageInput = () => (
  <section class="panel" id="input-panel" aria-labelledby="input-title">
    <h2 id="input-title"><span class="step">1</span> Your digit</h2>
    <div id="draw-area">
      <canvas id="pad" width="280" height="280" aria-label="Drawing pad: draw a digit with the mouse or a finger" />
      <div class="row">
        <button type="button" id="clear">Clear</button>
        <fieldset id="colours"><legend>Colour</legend></fieldset>
        <button type="button" id="swap" title="Same digit, other colour">Swap colour</button>
      </div>
      <div class="seen">
        <canvas id="preview" width="112" height="112" aria-label="What the model sees" />
        <p>What the model sees: the drawing centred like the training digits, shrunk to the model's grid, in the
          chosen colour channel. Draw big, in one or two strokes.</p>
      </div>
    </div>
    <h3>…or pick one from the test set</h3>
    <div id="samples"><p class="muted">Loading test examples…</p></div>
    <p id="picked" class="muted" aria-live="polite" />
  </section>
);

const FeaturesInput = ({ model }: { model: ServedDemoModel }) => {
  const names = model.input.kind === 'features' ? model.input.featureNames : [];
  return (
    <section class="panel" id="input-panel" aria-labelledby="input-title">
      <h2 id="input-title"><span class="step">1</span> A row</h2>
      {model.publishesSamples
        ? <><h3>Pick a test row, by group</h3><div id="sample-groups"><p class="muted">Loading test rows…</p></div></>
        : <p class="notice" id="private-note">The test rows of {model.id} are private (its publisher did not publish them),
          so none are shown here. Paste a row of your own below.</p>}
      <p id="picked" class="muted" aria-live="polite" />
      <table id="row-view" hidden><tbody /></table>
      <h3>{model.publishesSamples ? '…or paste a row' : 'Paste a row'}</h3>
      <textarea id="paste" rows={3} spellcheck={false} aria-label="A row of feature values"
        placeholder={`${model.input.dim} numbers separated by commas or spaces${names.length ? `, in the order ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}` : ''}`} />
      <div class="row"><button type="button" id="score-paste">Score this row</button></div>
      <p id="paste-error" class="unavailable" aria-live="polite" />
    </section>
  );
};

/** The features page's heading, from the manifest's class names and declared shortcut. */
const featuresTitle = (model: ServedDemoModel) =>
  `Does the model decide ${oneOf(model.classNames.map(quote))} from the whole row, or from ${model.shortcut.name ?? 'a shortcut'}?`;

function Page({ config, nonce }: { config: DemoConfig; nonce: string }) {
  // The first served model sets the page's kind: the demo only compares models that read the same inputs.
  const model = config.models.find((m): m is ServedDemoModel => m.ok);
  const features = model?.input.kind === 'features' ? model : null;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{features ? `mat-edge · ${featuresTitle(features)}` : 'mat-edge · does the model read the digit or the colour?'}</title>
        <style nonce={nonce} dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        {features ? <FeaturesHeader model={features} /> : <ImageHeader />}
        <main>
          {features ? <FeaturesInput model={features} /> : <ImageInput />}
          <section class="panel" id="results-panel" aria-labelledby="results-title">
            <h2 id="results-title"><span class="step">2</span> What the models say</h2>
            <p id="status" class="muted" aria-live="polite">{features ? 'Pick a row or paste one to begin.' : 'Draw a digit or pick one to begin.'}</p>
            <div id="results" />
            {features ? <FeaturesGlossary model={features} /> : <ImageGlossary />}
          </section>
        </main>
        <footer>For programs: <a href="/docs">API reference</a> (<a href="/openapi.json">OpenAPI</a>) · <a href="/healthz">service health</a></footer>
        <script type="application/json" id="demo-config" dangerouslySetInnerHTML={{ __html: scriptJson(config) }} />
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: CLIENT_JS }} />
      </body>
    </html>
  );
}

/**
 * The public demo page (server-rendered hono/jsx), driven by the manifest: for an image bundle, draw a digit or pick
 * a test example and choose its colour; for a features bundle, pick a published test row by group or paste one. Then
 * see every demo model's prediction, probabilities, memorization and shortcut-reliance gauges, a plain-language reading,
 * what happens when the colour is swapped, and (where published) the nearest training exemplars. Self-contained: no
 * external URL; the one script and the one stylesheet carry the response's CSP nonce.
 */
export const demoPage = (config: DemoConfig, nonce: string) => html`<!doctype html>${<Page config={config} nonce={nonce} />}`;
