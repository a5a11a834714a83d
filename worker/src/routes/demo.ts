import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { cors } from 'hono/cors';
import { bundlePublish, bytesToBase64, type InputSpec, type Prediction } from '#shared';
import type { LoadedBundle } from '../bundle/loader.js';
import { bundleState } from '../bundle/registry.js';
import { readConfig, type AppEnv, type Env, type WorkerConfig } from '../env.js';
import { ApiError, notFound } from '../errors.js';
import { inputVectors, predictVectors } from '../inference.js';
import { boundedInputs } from '../request-bounds.js';
import type { DemoModelInfo } from '../demo/config.js';
import { demoPage } from '../demo/page.js';
import {
  DemoPredictRequest, MAX_DEMO_INPUTS, DemoPredictResponse, DemoSamplesResponse, type DemoPrediction, type DemoUnavailable,
} from '../demo/schema.js';
import { testMetrics } from './models.js';
import { errorResponses, json } from './openapi.js';

/** The public demo compares at most this many models side by side (the active one first). */
const MAX_DEMO_MODELS = 3;
/**
 * What the public is told about a model that cannot answer. The real reason (storage path, sha256, onnxruntime
 * message) is the operator's: /healthz and the keyed /v1 routes.
 */
const NOT_SERVED = 'not being served right now';

const predictRoute = createRoute({
  method: 'post',
  path: '/demo/predict',
  operationId: 'demoPredict',
  tags: ['demo'],
  summary: 'Public demo: every demo model on the same inputs, each input scored as a new one (rate-limited, no key)',
  request: { body: { required: true, content: json(DemoPredictRequest) } },
  responses: {
    200: { description: 'Predictions per model; nearest exemplars with their pixels where the bundle publishes them.', content: json(DemoPredictResponse) },
    ...errorResponses(400, 413, 415, 429, 503),
  },
});

const samplesRoute = createRoute({
  method: 'get',
  path: '/demo/samples',
  operationId: 'demoSamples',
  tags: ['demo'],
  summary: "Labelled test inputs of the first demo model whose bundle publishes its samples (rate-limited, no key)",
  responses: { 200: { description: 'Test-set picks.', content: json(DemoSamplesResponse) }, ...errorResponses(404, 429, 503) },
});

/** `DEMO = "off"`: the demo's routes answer exactly like routes that do not exist. */
const demoOff = (env: Env) => env.DEMO?.trim().toLowerCase() === 'off';

/** The worker's configuration for the demo; a misconfiguration is the operator's business (/healthz says what). */
function demoConfig(env: Env): WorkerConfig {
  const result = readConfig(env);
  if (!result.ok) throw new ApiError(503, 'bundle_unavailable', 'the demo is unavailable right now');
  return result.config;
}

function demoModelIds(config: WorkerConfig): string[] {
  return [config.active, ...config.models.map((m) => m.id).filter((id) => id !== config.active)].slice(0, MAX_DEMO_MODELS);
}

/** Same raw inputs: layout and range (each model applies its own preprocessing). */
const sameInput = (a: InputSpec, b: InputSpec) => JSON.stringify({ ...a, preprocessing: null }) === JSON.stringify({ ...b, preprocessing: null });

/** The demo's models that can run side by side on the same inputs, and (in public words) which cannot. */
async function demoBundles(env: Env, config: WorkerConfig) {
  const states = await Promise.all(demoModelIds(config).map(async (id) => ({ id, state: await bundleState(env, config, id) })));
  const bundles: LoadedBundle[] = [], unavailable: DemoUnavailable[] = [];
  for (const { id, state } of states) {
    if (!state.ok) unavailable.push({ id, reason: NOT_SERVED });
    else if (bundles.length && !sameInput(bundles[0].manifest.input, state.bundle.manifest.input))
      unavailable.push({ id, reason: `reads different inputs than ${bundles[0].id}` });
    else bundles.push(state.bundle);
  }
  return { bundles, unavailable };
}

function pageInfo({ id, version, manifest: m, samples }: LoadedBundle): DemoModelInfo {
  const columns = m.dataset.columns;
  return {
    id, ok: true, version, algorithm: m.training.algorithm, classNames: m.classNames, groupNames: m.groupNames, input: m.input,
    shortcut: {
      name: columns?.shortcut ?? columns?.attribute ?? null,
      intervention: m.intervention?.description ?? m.scores.counterfactualProbe?.intervention ?? null,
    },
    publishesSamples: Boolean(samples?.items.length) && bundlePublish(m).samples,
    test: testMetrics(m),
  };
}

function exemplarPixels(bundle: LoadedBundle, ids: Iterable<number>): Record<string, string> {
  const pixels = bundle.exemplarPixels, dim = bundle.manifest.input.dim;
  if (!pixels) return {};
  const out: Record<string, string> = {};
  for (const id of ids) {
    const row = bundle.exemplarRow.get(id);
    if (row !== undefined) out[id] = bytesToBase64(pixels.subarray(row * dim, (row + 1) * dim));
  }
  return out;
}

/** The public form of a prediction: no membership bit (every demo input is scored as a new input anyway). */
function publicPrediction({ memorization: { member: _member, ...memorization }, ...p }: Prediction): DemoPrediction {
  return { ...p, memorization };
}

/**
 * The rate limit keys on the client address Cloudflare's edge sets on every request (CF-Connecting-IP). A request
 * without one did not come through the edge; it is refused rather than counted in a bucket shared with everyone
 * (one client could then lock all others out) or keyed on something the client picks (it could rotate it).
 */
async function rateLimit(c: Context<AppEnv>, next: Next) {
  const limiter = c.env.DEMO_LIMITER;
  if (limiter) {
    const client = c.req.header('CF-Connecting-IP');
    if (!client) throw new ApiError(400, 'invalid_request', 'the demo rate limit needs the client address (CF-Connecting-IP header), which this request lacks');
    if (!(await limiter.limit({ key: client })).success)
      throw new ApiError(429, 'rate_limited', 'too many demo requests; try again in a minute', undefined, { 'Retry-After': '60' });
  }
  await next();
}

export function registerDemo(app: OpenAPIHono<AppEnv>): void {
  const gate = async (c: Context<AppEnv>, next: Next) => (demoOff(c.env) ? notFound(c) : next());
  app.use('/', gate);
  app.use('/demo/*', gate);
  app.use('/demo/*', cors({
    origin: (origin, c) => {
      const config = readConfig(c.env);
      return origin && config.ok && origin === config.config.demoOrigin ? origin : null;
    },
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Content-Type'],
    maxAge: 600,
  }));
  app.use('/demo/*', rateLimit);
  app.use('/demo/predict', boundedInputs(MAX_DEMO_INPUTS, false));

  app.get('/', async (c) => {
    const config = demoConfig(c.env);
    const { bundles, unavailable } = await demoBundles(c.env, config);
    const models: DemoModelInfo[] = [...bundles.map(pageInfo), ...unavailable.map((u) => ({ ...u, ok: false as const }))];
    const nonce = crypto.randomUUID().replaceAll('-', '');
    c.header('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    c.header('Cache-Control', 'no-store');
    return c.html(demoPage({ models, active: config.active }, nonce));
  });

  app.openapi(samplesRoute, async (c) => {
    const { bundles } = await demoBundles(c.env, demoConfig(c.env));
    const bundle = bundles.find((b) => b.samples && bundlePublish(b.manifest).samples);
    if (!bundle?.samples) throw new ApiError(404, 'not_found', 'no demo model publishes test samples');
    const { classNames, groupNames } = bundle.manifest;
    return c.json({
      model: bundle.id,
      items: bundle.samples.items.map((s) => ({
        id: s.id, label: s.label, class_name: classNames[s.label], group: s.group === null ? null : groupNames[s.group] ?? null, input: s.input,
      })),
    }, 200);
  });

  app.openapi(predictRoute, async (c) => {
    const { inputs, explain } = c.req.valid('json');
    const { bundles, unavailable } = await demoBundles(c.env, demoConfig(c.env));
    if (!bundles.length) throw new ApiError(503, 'bundle_unavailable', 'no demo model is available right now');
    const models = await Promise.all(bundles.map(async (bundle) => {
      // Exemplars are training rows with their measured scores: shown only where the bundle publishes them.
      const nearest = explain && bundlePublish(bundle.manifest).exemplars;
      const { predictions } = await predictVectors(bundle, inputVectors(inputs, bundle), nearest, undefined, { membership: false });
      const ids = new Set(predictions.flatMap((p) => p.memorization.nearest?.map((n) => n.id) ?? []));
      return {
        id: bundle.id, version: bundle.version, algorithm: bundle.manifest.training.algorithm,
        predictions: predictions.map(publicPrediction), exemplar_pixels: exemplarPixels(bundle, ids),
      };
    }));
    return c.json({ models, unavailable }, 200);
  });
}
