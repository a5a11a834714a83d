/** The part of workerd's `cloudflare:workers` module the tests use (the pool provides it at run time). */
declare module 'cloudflare:workers' {
  export const env: unknown;
}
