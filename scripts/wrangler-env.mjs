/** Environment for every wrangler run: no telemetry, no cf.json fetch, no update check (docs/edge-stack.md Q5). */
export const WRANGLER_ENV = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' };
