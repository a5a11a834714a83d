import { z } from 'zod';
import { ApiError } from './errors.js';

/** The parts of the Workers bindings this worker uses (structural, so that no runtime type package is needed). */
export interface R2BucketBinding {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  head(key: string): Promise<{ size: number; etag: string; uploaded: Date } | null>;
}
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Bindings, vars and secrets (wrangler.toml; `API_KEYS` is a secret). */
export interface Env {
  /** R2 bucket holding `<path>/manifest.json`, `<path>/model.onnx`, … per model. */
  BUNDLES?: R2BucketBinding;
  /** Workers static assets holding the same layout (run_worker_first, so the files are never served raw). */
  ASSETS?: AssetsBinding;
  DEMO_LIMITER?: RateLimitBinding;
  /** Comma-separated `id` or `id=path` (path: folder or R2 prefix of the bundle; defaults to the id). */
  MODELS?: string;
  ACTIVE_MODEL?: string;
  BUNDLE_SOURCE?: string;
  /** Seconds a loaded bundle is trusted before its manifest is compared with storage again. */
  BUNDLE_TTL_SECONDS?: string;
  DEMO_ORIGIN?: string;
  API_KEYS?: string;
}

const ModelId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'model ids are lowercase letters, digits and dashes');
const BundlePath = z.string().regex(/^(?!.*\.\.)[A-Za-z0-9._@-]+(\/[A-Za-z0-9._@-]+)*$/, 'a relative path without ".."');

const ModelEntry = z.string().transform((entry, ctx) => {
  const [id, path = id] = entry.split('=').map((s) => s.trim());
  const parsedId = ModelId.safeParse(id), parsedPath = BundlePath.safeParse(path);
  if (!parsedId.success || !parsedPath.success) {
    ctx.addIssue({ code: 'custom', message: `"${entry}" is not "id" or "id=path"` });
    return z.NEVER;
  }
  return { id: parsedId.data, path: parsedPath.data };
});

const WorkerConfig = z.object({
  MODELS: z.string().default('mat-cmnist')
    .transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(ModelEntry).min(1)),
  ACTIVE_MODEL: ModelId.optional(),
  BUNDLE_SOURCE: z.enum(['assets', 'r2']).default('assets'),
  BUNDLE_TTL_SECONDS: z.coerce.number().nonnegative().default(60),
  DEMO_ORIGIN: z.url().optional(),
}).transform((c, ctx) => {
  const active = c.ACTIVE_MODEL ?? c.MODELS[0].id;
  if (!c.MODELS.some((m) => m.id === active)) {
    ctx.addIssue({ code: 'custom', path: ['ACTIVE_MODEL'], message: `"${active}" is not listed in MODELS` });
    return z.NEVER;
  }
  return { models: c.MODELS, active, source: c.BUNDLE_SOURCE, ttlSeconds: c.BUNDLE_TTL_SECONDS, demoOrigin: c.DEMO_ORIGIN ?? null };
});
export type WorkerConfig = z.output<typeof WorkerConfig>;

export type ConfigResult = { ok: true; config: WorkerConfig } | { ok: false; reason: string };

/** Validates the worker's vars; a misconfiguration is reported like a missing bundle (healthz, 503), never thrown. */
export function readConfig(env: Env): ConfigResult {
  const parsed = WorkerConfig.safeParse({
    MODELS: env.MODELS || undefined,
    ACTIVE_MODEL: env.ACTIVE_MODEL || undefined,
    BUNDLE_SOURCE: env.BUNDLE_SOURCE || undefined,
    BUNDLE_TTL_SECONDS: env.BUNDLE_TTL_SECONDS || undefined,
    DEMO_ORIGIN: env.DEMO_ORIGIN || undefined,
  });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, reason: `worker configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'vars'}: ${i.message}`).join('; ')}` };
}

/** Hono environment of every route. */
export type AppEnv = { Bindings: Env };

/** The validated configuration, or a 503 saying what is wrong with it. */
export function requireConfig(env: Env): WorkerConfig {
  const result = readConfig(env);
  if (!result.ok) throw new ApiError(503, 'bundle_unavailable', result.reason);
  return result.config;
}
