import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { MAX_BATCH, PredictRequest, PredictResponse } from '#shared';
import { requireBundle } from '../bundle/registry.js';
import { requireConfig, type AppEnv } from '../env.js';
import { inputVectors, predictVectors } from '../inference.js';
import { BEARER, errorResponses, json } from './openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/predict',
  operationId: 'predict',
  tags: ['inference'],
  summary: 'Predict, with memorization and spurious-reliance scores per input',
  description: `Up to ${MAX_BATCH} inputs per call, each a raw vector of the model's input.dim values (image pixels in the manifest's range, channel-major) or {features}. One ONNX run per call.`,
  security: BEARER,
  request: { body: { required: true, content: json(PredictRequest) } },
  responses: {
    200: { description: 'One prediction per input, in order.', content: json(PredictResponse) },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

export function registerPredict(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const bundle = await requireBundle(c.env, requireConfig(c.env), body.model);
    const { predictions } = await predictVectors(bundle, inputVectors(body.inputs, bundle), body.explain);
    return c.json({ model: { id: bundle.id, version: bundle.version }, predictions }, 200);
  });
}
