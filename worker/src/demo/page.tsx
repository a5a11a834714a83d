/** @jsxImportSource hono/jsx */
import { html } from 'hono/html';
import { CLIENT_JS } from './client.bundle.js';
import type { DemoConfig } from './config.js';
import { STYLE } from './style.js';

/** JSON that is safe inside a <script> element (no `</script>`, no HTML comment openers). */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const Glossary = () => (
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
      <dd>How much this model's answer is expected to move if the same digit had the other colour (0 = not at all),
        estimated from the model's own internal representation by a probe fitted on recoloured validation digits; the
        note gives the estimated chance that the answer flips. The colour check below tests it.</dd>
      <dt>Colour check</dt>
      <dd>The same digit in the other colour. A model that reads the shape keeps its answer.</dd>
    </dl>
  </details>
);

function Page({ config, nonce }: { config: DemoConfig; nonce: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>mat-edge · does the model read the digit or the colour?</title>
        <style nonce={nonce} dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <h1>Is the model reading the digit, or its colour?</h1>
          <p class="lede">Each model below sorts handwritten digits into two classes. In its training data
            the <b>colour</b> of a digit matched its class most of the time: a shortcut. A model that learns the
            shortcut gets confused when the colour changes, and it has to <b>memorize</b> the training digits that
            don't follow it. <b>MAT</b> (memorization-aware training) is trained to avoid both; <b>ERM</b> is ordinary
            training, for comparison. Draw a digit or pick one from the test set, choose its colour, and compare what the
            models say.</p>
        </header>
        <main>
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
          <section class="panel" id="results-panel" aria-labelledby="results-title">
            <h2 id="results-title"><span class="step">2</span> What the models say</h2>
            <p id="status" class="muted" aria-live="polite">Draw a digit or pick one to begin.</p>
            <div id="results" />
            <Glossary />
          </section>
        </main>
        <footer>For programs: <a href="/openapi.json">API description (OpenAPI)</a> · <a href="/healthz">service health</a></footer>
        <script type="application/json" id="demo-config" dangerouslySetInnerHTML={{ __html: scriptJson(config) }} />
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: CLIENT_JS }} />
      </body>
    </html>
  );
}

/**
 * The public demo page (server-rendered hono/jsx): draw a digit or pick a test example, choose its colour, and see
 * every demo model's prediction, probabilities, memorization and shortcut-reliance gauges, a plain-language reading,
 * what happens when the colour is swapped, and (where published) the nearest training exemplars. Self-contained: no
 * external URL; the one script and the one stylesheet carry the response's CSP nonce.
 */
export const demoPage = (config: DemoConfig, nonce: string) => html`<!doctype html>${<Page config={config} nonce={nonce} />}`;
