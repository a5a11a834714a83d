import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ModelDetailResponse, ModelsResponse, type Manifest } from '../../../shared/src/index.js';
import { bundleState, requireBundle } from '../bundle/registry.js';
import { requireConfig, type AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { BEARER, errorResponses, json } from './openapi.js';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['models'],
  summary: 'The served models whose bundles are valid (see /healthz for the others)',
  security: BEARER,
  responses: { 200: { description: 'Model summaries with test metrics.', content: json(ModelsResponse) }, ...errorResponses(401, 403, 503) },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/v1/models/{id}',
  tags: ['models'],
  summary: "One model's full manifest: metrics, calibration, training settings, files",
  security: BEARER,
  request: { params: z.object({ id: z.string().meta({ param: { name: 'id', in: 'path' }, example: 'mat-cmnist' }) }) },
  responses: { 200: { description: 'The verified manifest.', content: json(ModelDetailResponse) }, ...errorResponses(401, 403, 404, 503) },
});

/** Test metrics of the true groups when the data has them, else of the XRM-inferred ones. */
export function testMetrics(m: Manifest): { average: number | null; worstGroup: number | null } {
  const g = m.metrics.test.trueGroups ?? m.metrics.test.inferredGroups;
  return { average: g?.average ?? null, worstGroup: g?.worstGroup ?? null };
}

export function registerModels(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const config = requireConfig(c.env);
    const states = await Promise.all(config.models.map((m) => bundleState(c.env, config, m.id)));
    const models = states.flatMap((s) => (s.ok ? [s.bundle] : [])).map(({ id, manifest: m }) => ({
      id,
      version: m.model.version,
      algorithm: m.training.algorithm,
      dataset: m.dataset.name,
      createdAt: m.model.createdAt,
      active: id === config.active,
      test: testMetrics(m),
    }));
    if (!models.length) throw new ApiError(503, 'bundle_unavailable', 'no model has a valid bundle (see /healthz)');
    return c.json({ models }, 200);
  });

  app.openapi(detailRoute, async (c) => {
    const config = requireConfig(c.env);
    const bundle = await requireBundle(c.env, config, c.req.valid('param').id);
    return c.json({ manifest: bundle.manifest, active: bundle.id === config.active }, 200);
  });
}
