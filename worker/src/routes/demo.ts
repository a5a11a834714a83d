import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { Prediction, bytesToBase64, type InputSpec } from '../../../shared/src/index.js';
import type { LoadedBundle } from '../bundle/loader.js';
import { bundleState } from '../bundle/registry.js';
import { requireConfig, type AppEnv, type Env, type WorkerConfig } from '../env.js';
import { ApiError } from '../errors.js';
import { inputVectors, predictVectors } from '../inference.js';
import { boundedInputs } from '../request-bounds.js';
import { demoPage, type DemoModelInfo } from '../demo/page.js';
import { testMetrics } from './models.js';
import { errorResponses, json } from './openapi.js';

/** The public demo compares at most this many models side by side (the active one first). */
const MAX_DEMO_MODELS = 3;
/** Inputs per demo call: the drawn digit and its colour-swapped twins. */
const MAX_DEMO_INPUTS = 4;

const DemoModel = z.object({ id: z.string(), version: z.string(), algorithm: z.string() });

const DemoPredictRequest = z.object({
  inputs: z.array(z.array(z.number()).min(1)).min(1).max(MAX_DEMO_INPUTS)
    .meta({ description: 'Raw input vectors (e.g. a drawn digit and the same digit in the other colour).' }),
});

const DemoPredictResponse = z.object({
  models: z.array(DemoModel.extend({
    predictions: z.array(Prediction),
    exemplar_pixels: z.record(z.string(), z.string())
      .meta({ description: 'Nearest exemplar id → base64 uint8 pixels (value·255, channel-major) for rendering.' }),
  })),
  unavailable: z.array(z.object({ id: z.string(), reason: z.string() })),
});

const DemoSamplesResponse = z.object({
  model: z.string(),
  items: z.array(z.object({
    id: z.number().int(),
    label: z.number().int(),
    class_name: z.string(),
    group: z.string().nullable(),
    input: z.array(z.number()),
  })),
});

const predictRoute = createRoute({
  method: 'post',
  path: '/demo/predict',
  tags: ['demo'],
  summary: 'Public demo: every demo model on the same inputs, with nearest exemplars (rate-limited, no key)',
  request: { body: { required: true, content: json(DemoPredictRequest) } },
  responses: {
    200: { description: 'Predictions per model, nearest memorized exemplars with their pixels.', content: json(DemoPredictResponse) },
    ...errorResponses(400, 413, 415, 429, 503),
  },
});

const samplesRoute = createRoute({
  method: 'get',
  path: '/demo/samples',
  tags: ['demo'],
  summary: "Labelled test inputs from the active bundle's samples.json (rate-limited, no key)",
  responses: { 200: { description: 'Test-set picks.', content: json(DemoSamplesResponse) }, ...errorResponses(429, 503) },
});

function demoModelIds(config: WorkerConfig): string[] {
  return [config.active, ...config.models.map((m) => m.id).filter((id) => id !== config.active)].slice(0, MAX_DEMO_MODELS);
}

/** Same raw inputs: layout and range (each model applies its own preprocessing). */
const sameInput = (a: InputSpec, b: InputSpec) => JSON.stringify({ ...a, preprocessing: null }) === JSON.stringify({ ...b, preprocessing: null });

/** The demo's models that can run side by side on the same inputs, and why the others can't. */
async function demoBundles(env: Env, config: WorkerConfig) {
  const states = await Promise.all(demoModelIds(config).map(async (id) => ({ id, state: await bundleState(env, config, id) })));
  const bundles: LoadedBundle[] = [], unavailable: { id: string; reason: string }[] = [];
  for (const { id, state } of states) {
    if (!state.ok) unavailable.push({ id, reason: state.reason });
    else if (bundles.length && !sameInput(bundles[0].manifest.input, state.bundle.manifest.input))
      unavailable.push({ id, reason: `reads different inputs than ${bundles[0].id}` });
    else bundles.push(state.bundle);
  }
  return { bundles, unavailable };
}

function pageInfo({ id, manifest: m }: LoadedBundle): DemoModelInfo {
  return {
    id, ok: true, version: m.model.version, algorithm: m.training.algorithm, description: m.model.description,
    dataset: m.dataset.name, classNames: m.classNames, input: m.input, test: testMetrics(m),
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

export function registerDemo(app: OpenAPIHono<AppEnv>): void {
  app.use('/demo/*', cors({
    origin: (origin, c) => (origin && origin === requireConfig(c.env).demoOrigin ? origin : null),
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Content-Type'],
    maxAge: 600,
  }));
  app.use('/demo/*', async (c, next) => {
    const limiter = c.env.DEMO_LIMITER;
    if (limiter && !(await limiter.limit({ key: c.req.header('CF-Connecting-IP') ?? 'anonymous' })).success)
      throw new ApiError(429, 'rate_limited', 'too many demo requests; try again in a minute', undefined, { 'Retry-After': '60' });
    await next();
  });
  app.use('/demo/predict', boundedInputs(MAX_DEMO_INPUTS, false));

  app.get('/', async (c) => {
    const config = requireConfig(c.env);
    const { bundles, unavailable } = await demoBundles(c.env, config);
    const models: DemoModelInfo[] = [...bundles.map(pageInfo), ...unavailable.map((u) => ({ ...u, ok: false as const }))];
    const nonce = crypto.randomUUID().replaceAll('-', '');
    c.header('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    c.header('Cache-Control', 'no-store');
    return c.html(demoPage({ models, active: config.active }, nonce));
  });

  app.openapi(samplesRoute, async (c) => {
    const { bundles } = await demoBundles(c.env, requireConfig(c.env));
    const bundle = bundles.find((b) => b.samples);
    if (!bundle?.samples) throw new ApiError(503, 'bundle_unavailable', 'no demo model has test samples');
    const { classNames, groupNames } = bundle.manifest;
    return c.json({
      model: bundle.id,
      items: bundle.samples.items.map((s) => ({
        id: s.id, label: s.label, class_name: classNames[s.label], group: s.group === null ? null : groupNames[s.group] ?? null, input: s.input,
      })),
    }, 200);
  });

  app.openapi(predictRoute, async (c) => {
    const { inputs } = c.req.valid('json');
    const { bundles, unavailable } = await demoBundles(c.env, requireConfig(c.env));
    if (!bundles.length) throw new ApiError(503, 'bundle_unavailable', `no demo model is available: ${unavailable.map((u) => `${u.id}: ${u.reason}`).join('; ')}`);
    const models = await Promise.all(bundles.map(async (bundle) => {
      const { predictions } = await predictVectors(bundle, inputVectors(inputs, bundle), true);
      const ids = new Set(predictions.flatMap((p) => p.memorization.nearest?.map((n) => n.id) ?? []));
      return {
        id: bundle.id, version: bundle.manifest.model.version, algorithm: bundle.manifest.training.algorithm,
        predictions, exemplar_pixels: exemplarPixels(bundle, ids),
      };
    }));
    return c.json({ models, unavailable }, 200);
  });
}
