/** Types of scripts/build-demo.mjs (imported by vitest.workers.config.ts). */
export declare const DEMO_CLIENT_ENTRY: string;
export declare const DEMO_CLIENT_MODULE: string;
/** Bundles worker/src/demo/client/*.ts into worker/src/demo/client.bundle.js; resolves to the script's size in bytes. */
export declare function buildDemoClient(): Promise<number>;
