/**
 * The Cloudflare Workers limits this worker has to fit (docs/edge-stack.md Q6), in one place for `npm run deploy`
 * (scripts/deploy.ts), the limits benchmark (bench/limits.ts) and the deploy-size test. Cloudflare changes them over
 * time: re-check https://developers.cloudflare.com/workers/platform/limits/ before relying on them.
 */
export const PLAN_LIMITS = {
  free: { scriptGzipKiB: 3 * 1024, cpuMsPerRequest: 10 },
  /** cpuMsPerRequest: the Paid plan's default; `limits.cpu_ms` in wrangler.toml raises it to 5 minutes. */
  paid: { scriptGzipKiB: 10 * 1024, cpuMsPerRequest: 30_000 },
} as const;
export type Plan = keyof typeof PLAN_LIMITS;

/** Memory of one isolate, either plan. */
export const ISOLATE_MEMORY_MIB = 128;
/** Startup: parsing and evaluating the script's top level. */
export const STARTUP_MS = 1000;
/** Largest single static asset (a bundle file shipped with `BUNDLE_SOURCE = "assets"`). */
export const ASSET_FILE_MAX_BYTES = 25 * 1024 * 1024;
