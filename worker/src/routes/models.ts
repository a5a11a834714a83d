import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { MODEL_REF_PATTERN, ModelDetailResponse, ModelsResponse, parseModelRef, type Manifest } from '#shared';
import { bundleState, versionState } from '../bundle/registry.js';
import { requireConfig, type AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { servingStatus } from './health.js';
import { BEARER, errorResponses, json } from './openapi.js';

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  operationId: 'listModels',
  tags: ['models'],
  summary: 'The served models whose bundles are valid (see /healthz for the others)',
  security: BEARER,
  responses: { 200: { description: 'Model summaries with test metrics.', content: json(ModelsResponse) }, ...errorResponses(401, 403, 503) },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/v1/models/{id}',
  operationId: 'getModel',
  tags: ['models'],
  summary: "One model's served manifest (metrics, calibration, training settings, files), its status and why a version was refused; `id@version` for one published version",
  security: BEARER,
  request: { params: z.object({ id: z.string().meta({ param: { name: 'id', in: 'path' }, example: 'mat-cmnist' }) }) },
  responses: { 200: { description: 'The verified manifest being served, and the refusal reason of a version that was not.', content: json(ModelDetailResponse) }, ...errorResponses(401, 403, 404, 503) },
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
    const models = states.flatMap((s) => (s.ok ? [s.bundle] : [])).map(({ id, version, manifest: m }) => ({
      id,
      version,
      algorithm: m.training.algorithm,
      dataset: m.dataset.name,
      createdAt: m.model.createdAt,
      active: id === config.active,
      test: testMetrics(m),
    }));
    if (!models.length) throw new ApiError(503, 'bundle_unavailable', 'no model has a valid bundle (reasons: GET /v1/models/:id)');
    return c.json({ models }, 200);
  });

  app.openapi(detailRoute, async (c) => {
    const config = requireConfig(c.env);
    const ref = c.req.valid('param').id;
    const { id, version } = MODEL_REF_PATTERN.test(ref) ? parseModelRef(ref) : { id: ref, version: null };
    if (!config.models.some((m) => m.id === id)) throw new ApiError(404, 'not_found', `unknown model "${id}"`);
    const state = version === null ? await bundleState(c.env, config, id) : await versionState(c.env, config, id, version);
    // Operator view (behind a key): the full reason of a refusal, which /healthz, 409s and 503s do not show.
    const refused = state.refused ?? (state.ok ? null : { version, reason: state.detail, at: Date.now() });
    return c.json({
      manifest: state.ok ? state.bundle.manifest : null,
      version: state.ok ? state.bundle.version : null,
      active: id === config.active && version === null,
      status: servingStatus(state),
      refused: refused && { version: refused.version, reason: refused.reason, at: new Date(refused.at).toISOString() },
    }, 200);
  });
}
