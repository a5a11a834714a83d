/** Types of scripts/wrangler-env.mjs (imported by the trainer's publish/activate store). */
export declare const WRANGLER_ENV: Record<'WRANGLER_SEND_METRICS' | 'CLOUDFLARE_CF_FETCH_ENABLED' | 'WRANGLER_HIDE_BANNER', string>;
