import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { HealthResponse } from '../../../shared/src/index.js';
import { bundleState } from '../bundle/registry.js';
import { readConfig, type AppEnv } from '../env.js';
import { json } from './openapi.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['service'],
  summary: 'Whether the active bundle is loaded and passed its integrity checks; per model, why not',
  responses: {
    200: { description: 'The active model is being served.', content: json(HealthResponse) },
    503: { description: 'The active model has no valid bundle; `models[].reason` says why.', content: json(HealthResponse) },
  },
});

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const result = readConfig(c.env);
    if (!result.ok) return c.json({ status: 'unavailable' as const, models: [{ id: 'config', ok: false, reason: result.reason }] }, 503);
    const { config } = result;
    const models = await Promise.all(config.models.map(async ({ id }) => {
      const state = await bundleState(c.env, config, id);
      return state.ok ? { id, ok: true } : { id, ok: false, reason: state.reason };
    }));
    const ok = models.some((m) => m.id === config.active && m.ok);
    return ok ? c.json({ status: 'ok' as const, models }, 200) : c.json({ status: 'unavailable' as const, models }, 503);
  });
}
