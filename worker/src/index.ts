import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { MAX_BATCH, MAX_BODY_BYTES } from '#shared';
// Only `version` is bundled (esbuild keeps the named JSON export alone): the API document's info.version.
import { version } from '../../package.json';
import { requireApiKey } from './auth.js';
import type { AppEnv } from './env.js';
import { ApiError, notFound, onError, validationHook } from './errors.js';
import { registerDemo } from './routes/demo.js';
import { registerDocs } from './routes/docs.js';
import { registerEvaluate } from './routes/evaluate.js';
import { registerHealth } from './routes/health.js';
import { registerModels } from './routes/models.js';
import { registerPredict } from './routes/predict.js';
import { boundedInputs } from './request-bounds.js';

/**
 * The mat-edge worker: predictions with per-input memorization and spurious-reliance scores from a verified model
 * bundle (R2 or static assets), a labelled-batch evaluation, model metadata, health, OpenAPI (its reference page at
 * /docs) and the public demo.
 * @example await app.request('/healthz', {}, env) // { status: 'ok', models: [{ id: 'mat-cmnist', ok: true, status: 'ok', version: '…' }] }
 */
export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.use('/v1/*', requireApiKey);
app.use('*', bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, 'payload_too_large', `request body is larger than ${MAX_BODY_BYTES} bytes`);
  },
}));
// Batch size and row lengths checked before any element-wise validation (the demo route adds its own, behind its rate limit).
app.use('/v1/predict', boundedInputs());
app.use('/v1/evaluate', boundedInputs());

registerPredict(app);
registerEvaluate(app);
registerModels(app);
registerHealth(app);
registerDemo(app);
registerDocs(app);

app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  description: 'One of the keys in the API_KEYS secret.',
});
app.doc31('/openapi.json', (c) => ({
  openapi: '3.1.0',
  info: {
    title: 'mat-edge',
    version,
    description: `Predictions with per-input memorization and spurious-reliance scores. Batches of up to ${MAX_BATCH} inputs, bodies up to ${MAX_BODY_BYTES} bytes.`,
  },
  servers: [{ url: new URL(c.req.url).origin }],
}));

app.notFound(notFound);
app.onError(onError);

export default app;
