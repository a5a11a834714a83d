import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { HealthResponse, type ServingStatus } from '#shared';
import { bundleState, type BundleState } from '../bundle/registry.js';
import { readConfig, type AppEnv } from '../env.js';
import { json } from './openapi.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['service'],
  summary: 'Whether the active model is served, per model its status and versions (reasons: GET /v1/models/:id)',
  responses: {
    200: { description: 'The active model is served (`degraded`: some model serves its last good version or nothing).', content: json(HealthResponse) },
    503: { description: 'The active model has no valid bundle.', content: json(HealthResponse) },
  },
});

export function servingStatus(state: BundleState): ServingStatus {
  if (!state.ok) return 'unavailable';
  return state.refused ? 'degraded' : 'ok';
}

/** What anyone may see of a model's state: no reason, path, digest or runtime message. */
function publicModel(id: string, state: BundleState) {
  return {
    id,
    ok: state.ok,
    status: servingStatus(state),
    version: state.ok ? state.bundle.version : null,
    ...(state.refused ? { refusedVersion: state.refused.version } : {}),
  };
}

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const result = readConfig(c.env);
    if (!result.ok) {
      console.error(result.reason);
      return c.json({ status: 'unavailable' as const, models: [{ id: 'config', ok: false, status: 'unavailable' as const, version: null }] }, 503);
    }
    const { config } = result;
    const models = await Promise.all(config.models.map(async ({ id }) => publicModel(id, await bundleState(c.env, config, id))));
    if (!models.some((m) => m.id === config.active && m.ok)) return c.json({ status: 'unavailable' as const, models }, 503);
    return c.json({ status: models.every((m) => m.status === 'ok') ? 'ok' as const : 'degraded' as const, models }, 200);
  });
}
