/**
 * The demo page in a real browser: headless Chromium from Debian's `chromium` package driven by playwright-core,
 * against `wrangler dev` serving fixture bundles (MAT and ERM) through the static-assets binding: image bundles
 * (Colored MNIST) and, on a second server, features bundles (a loan table). Clicks through both pages, checks that
 * what they show is what the API answers, and writes artifacts/demo.png and artifacts/demo-features.png.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictResponse } from '#shared';
import { CLASS_NAMES, FEATURE_CLASS_NAMES, FEATURE_GROUP_NAMES, FEATURE_INTERVENTION, FEATURE_NAMES, makeFixtureBundle } from '../fixtures/bundle/make-bundle.js';
import { startWranglerDev, type DevServer } from './wrangler-dev.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const KEY = 'e2e-key';
const SCREENSHOT = path.resolve('artifacts/demo.png');
const FEATURES_SCREENSHOT = path.resolve('artifacts/demo-features.png');
const PIXELS = 196;

let bundles: string, server: DevServer, browser: Browser, page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  bundles = await mkdtemp(path.join(tmpdir(), 'mat-edge-e2e-'));
  await makeFixtureBundle(path.join(bundles, 'mat-cmnist'), { id: 'mat-cmnist', algorithm: 'mat' });
  await makeFixtureBundle(path.join(bundles, 'erm-cmnist'), { id: 'erm-cmnist', algorithm: 'erm', seed: 11 });
  await makeFixtureBundle(path.join(bundles, 'mat-loans'), { id: 'mat-loans', algorithm: 'mat', kind: 'features', seed: 21 });
  await makeFixtureBundle(path.join(bundles, 'erm-loans'), { id: 'erm-loans', algorithm: 'erm', kind: 'features', seed: 22 });
  server = await startWranglerDev({
    assetsDir: bundles,
    vars: { MODELS: 'mat-cmnist,erm-cmnist', ACTIVE_MODEL: 'mat-cmnist', BUNDLE_SOURCE: 'assets', API_KEYS: KEY, DEMO_ORIGIN: 'http://localhost:1' },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await rm(bundles, { recursive: true, force: true });
});

interface DemoAnswer {
  models: {
    id: string;
    predictions: {
      label: number; probabilities: number[];
      spurious: { intervention: 'applied' | 'estimated' | null; counterfactual_change: number | null; flip: boolean | null; flip_probability: number | null };
      memorization: { nearest?: { id: number; label: number; score: number }[] };
    }[];
  }[];
}

/** Runs `action` and returns the /demo/predict exchange it triggers (request inputs, response body). */
async function exchange(action: () => Promise<unknown>): Promise<{ inputs: number[][]; answer: DemoAnswer }> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/demo/predict')), action()]);
  const answer = (await response.json()) as DemoAnswer;
  await page.waitForFunction(() => document.getElementById('status')!.textContent === '');
  return { inputs: response.request().postDataJSON().inputs, answer };
}

const ink = (v: number[], channel: number) => v.slice(channel * PIXELS, (channel + 1) * PIXELS).reduce((s, x) => s + x, 0);

/** What each model card shows: answer, probabilities, gauges, colour check, nearest exemplar images. */
async function cards() {
  return page.$$eval('article.card', (els) => els.map((el) => ({
    model: el.getAttribute('data-model'),
    answer: el.querySelector('[data-answer]')?.textContent,
    probabilities: Array.from(el.querySelectorAll('.bar > span:last-child')).map((s) => s.textContent),
    gauges: Object.fromEntries(Array.from(el.querySelectorAll('[data-gauge]')).map((g) => [g.getAttribute('data-gauge'), Number(g.getAttribute('data-value'))])),
    check: el.querySelector('[data-check]')?.getAttribute('data-check'),
    exemplars: Array.from(el.querySelectorAll('.exemplar canvas')).map((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) lit += data[i] + data[i + 1] + data[i + 2] > 0 ? 1 : 0;
      return { width: canvas.width, lit };
    }),
    explanation: el.querySelector('.explain')?.textContent ?? '',
    counterfactual: el.querySelector('[data-counterfactual]')?.textContent ?? null,
    exemplarText: Array.from(el.querySelectorAll('.exemplar')).map((e) => e.textContent),
  })));
}

function expectCardsMatch(shown: Awaited<ReturnType<typeof cards>>, answer: DemoAnswer) {
  expect(shown.map((c) => c.model)).toEqual(['mat-cmnist', 'erm-cmnist']);
  shown.forEach((card, i) => {
    const [p, swapped] = answer.models[i].predictions;
    expect(card.answer).toBe(CLASS_NAMES[p.label]);
    expect(card.probabilities).toEqual(p.probabilities.map((v) => `${Math.round(v * 100)}%`));
    expect(card.check).toBe(swapped.label === p.label ? 'stable' : 'flips');
    expect(Object.keys(card.gauges)).toEqual(['Memorization', 'Shortcut reliance', 'Colour dependence']);
    expect(card.gauges['Colour dependence']).toBeCloseTo(p.spurious.counterfactual_change!, 5);
    for (const v of Object.values(card.gauges)) expect(v).toBeGreaterThanOrEqual(0);
    expect(card.exemplars).toHaveLength(5);
    for (const e of card.exemplars) expect(e).toMatchObject({ width: 14, lit: expect.any(Number) });
    expect(card.exemplars.some((e) => e.lit > 10)).toBe(true);
    expect(card.explanation).toContain(`The model answers “${CLASS_NAMES[p.label]}”`);
  });
}

describe('demo page in Chromium', () => {
  it('opens on a test example and shows both models side by side', async () => {
    const { inputs, answer } = await exchange(() => page.goto(`${server.url}/`));
    expect(await page.title()).toContain('digit or the colour');
    expect(await page.locator('.sample').count()).toBe(12);
    expect(await page.locator('#picked').textContent()).toMatch(/^Test example #5000: its true class is “digit [≥<] 5”/);
    expect(inputs).toHaveLength(2);
    expectCardsMatch(await cards(), answer);
    // What the page shows is what the authenticated API says for the same input.
    const api = PredictResponse.parse(await (await fetch(`${server.url}/v1/predict`, {
      method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: [inputs[0]] }),
    })).json());
    expect((await cards())[0].answer).toBe(api.predictions[0].class_name);
  });

  it('picks another test example and swaps its colour', async () => {
    const picked = await exchange(() => page.locator('.sample').nth(2).click());
    expect(await page.locator('#picked').textContent()).toContain('#5002');
    const colour = ink(picked.inputs[0], 0) > 0 ? 0 : 1;
    expect(ink(picked.inputs[0], 1 - colour)).toBe(0);
    expectCardsMatch(await cards(), picked.answer);

    const swapped = await exchange(() => page.locator('#swap').click());
    expect(ink(swapped.inputs[0], colour)).toBe(0);
    expect(ink(swapped.inputs[0], 1 - colour)).toBeGreaterThan(0);
    expect(await page.locator('input[name="colour"]').nth(1 - colour).isChecked()).toBe(true);
    expectCardsMatch(await cards(), swapped.answer);
  });

  it('draws a digit in green and predicts it', async () => {
    await page.locator('#clear').click();
    expect(await page.locator('article.card').count()).toBe(0);
    await page.locator('label.chip', { hasText: 'green' }).click();
    const box = (await page.locator('#pad').boundingBox())!;
    const at = (x: number, y: number) => [box.x + x * box.width, box.y + y * box.height] as const;
    const { inputs, answer } = await exchange(async () => {
      await page.mouse.move(...at(0.25, 0.2));
      await page.mouse.down();
      for (const [x, y] of [[0.5, 0.2], [0.75, 0.2], [0.6, 0.5], [0.45, 0.85]]) await page.mouse.move(...at(x, y), { steps: 8 });
      await page.mouse.up();
    });
    expect(inputs[0]).toHaveLength(2 * PIXELS);
    expect(ink(inputs[0], 0)).toBe(0);
    expect(ink(inputs[0], 1)).toBeGreaterThan(5);
    expect(ink(inputs[1], 0)).toBeCloseTo(ink(inputs[0], 1), 6);
    expect(await page.locator('#picked').textContent()).toBe('');
    expectCardsMatch(await cards(), answer);
    const preview = await page.$eval('#preview', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 14, 14).data;
      let red = 0, green = 0;
      for (let i = 0; i < d.length; i += 4) { red += d[i]; green += d[i + 1]; }
      return { red, green };
    });
    expect(preview.green).toBeGreaterThan(0);
    expect(preview.red).toBe(0);

    const first = await exchange(() => page.locator('.sample').first().click());
    expectCardsMatch(await cards(), first.answer);
    expect(await page.locator('.verdict').count()).toBe(2);
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

describe('demo page of a features bundle in Chromium', () => {
  let features: DevServer;
  beforeAll(async () => {
    features = await startWranglerDev({
      assetsDir: bundles,
      vars: { MODELS: 'mat-loans,erm-loans', ACTIVE_MODEL: 'mat-loans', BUNDLE_SOURCE: 'assets', API_KEYS: KEY, DEMO_ORIGIN: 'http://localhost:1' },
    });
  });
  afterAll(async () => {
    await features?.stop();
  });

  function expectFeatureCardsMatch(shown: Awaited<ReturnType<typeof cards>>, answer: DemoAnswer) {
    expect(shown.map((c) => c.model)).toEqual(['mat-loans', 'erm-loans']);
    shown.forEach((card, i) => {
      const [p] = answer.models[i].predictions;
      expect(card.answer).toBe(FEATURE_CLASS_NAMES[p.label]);
      expect(card.probabilities).toEqual(p.probabilities.map((v) => `${Math.round(v * 100)}%`));
      expect(Object.keys(card.gauges)).toEqual(['Memorization', 'Shortcut reliance', 'Twin disagreement', 'Rural dependence']);
      expect(card.gauges['Rural dependence']).toBeCloseTo(p.spurious.counterfactual_change!, 5);
      // The model's own answer to the declared intervention (run on the intervened row in the same call).
      expect(p.spurious.intervention).toBe('applied');
      expect(card.check).toBe(p.spurious.flip ? 'flips' : 'stable');
      expect(card.counterfactual).toContain(`Under “${FEATURE_INTERVENTION}”`);
      // Nearest exemplars: id, class name and score, no image.
      expect(card.exemplars).toHaveLength(0);
      expect(card.exemplarText).toEqual(p.memorization.nearest!.map((n) => `#${n.id}${FEATURE_CLASS_NAMES[n.label]}memorized ${n.score.toFixed(2)}`));
      expect(card.explanation).toContain(`The model answers “${FEATURE_CLASS_NAMES[p.label]}”`);
    });
  }

  const visibleText = () => page.evaluate(() => document.body.innerText);

  it('opens on a published test row, its samples grouped by name, in the bundle\'s own words', async () => {
    const { inputs, answer } = await exchange(() => page.goto(`${features.url}/`));
    expect(await page.title()).toBe('mat-edge · Does the model decide “approved” or “denied” from the whole row, or from rural?');
    expect(await page.locator('#pad').count()).toBe(0);
    const groups = await page.locator('.sample-group h4').allTextContents();
    expect(groups.length).toBeGreaterThan(1);
    expect(groups).toEqual(FEATURE_GROUP_NAMES.filter((g) => groups.includes(g)));
    expect(await page.locator('.row-sample').count()).toBe(12);
    expect(await page.locator('#picked').textContent()).toMatch(/^Test row #50\d\d: its true class is “(approved|denied)” \(group: (approved|denied) · (urban|rural)\)\.$/);
    expect(await page.locator('#row-view th').allTextContents()).toEqual(FEATURE_NAMES);
    expect(inputs).toHaveLength(1);
    expectFeatureCardsMatch(await cards(), answer);
    expect(await page.locator('.verdict').count()).toBe(2);
    const text = await visibleText();
    expect(text).not.toMatch(/digit|colou?r|draw|pixel/i);
    for (const name of [...FEATURE_CLASS_NAMES, 'rural']) expect(text).toContain(name);
  });

  it('picks a row of another group and shows what the API says for it', async () => {
    const last = page.locator('.sample-group').last();
    const group = await last.locator('h4').textContent();
    const { inputs, answer } = await exchange(() => last.locator('.row-sample').first().click());
    expect(await page.locator('#picked').textContent()).toContain(`(group: ${group})`);
    expectFeatureCardsMatch(await cards(), answer);
    const api = PredictResponse.parse(await (await fetch(`${features.url}/v1/predict`, {
      method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'erm-loans', inputs }),
    })).json());
    expect((await cards())[1].answer).toBe(api.predictions[0].class_name);
  });

  it('scores a pasted row, and says what is wrong with a bad one', async () => {
    await page.locator('#paste').fill('1, 2, 3');
    await page.locator('#score-paste').click();
    expect(await page.locator('#paste-error').textContent()).toBe('This model reads 6 values per row; the pasted row has 3.');
    const row = [0.4, -1.2, 0.8, 0, 2, -0.5];
    const { inputs, answer } = await exchange(async () => {
      await page.locator('#paste').fill(row.join(', '));
      await page.locator('#score-paste').click();
    });
    expect(inputs).toEqual([row]);
    expect(await page.locator('#paste-error').textContent()).toBe('');
    expect(await page.locator('#picked').textContent()).toBe('Your row:');
    expect(await page.locator('.verdict').count()).toBe(0);
    expectFeatureCardsMatch(await cards(), answer);

    // Back to a test row for the screenshot: its verdicts and group are part of what a visitor sees.
    const first = await exchange(() => page.locator('.row-sample').first().click());
    expectFeatureCardsMatch(await cards(), first.answer);
    await mkdir(path.dirname(FEATURES_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: FEATURES_SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
