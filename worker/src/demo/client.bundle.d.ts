/** Types of worker/src/demo/client.bundle.js, which scripts/build-demo.mjs generates (git-ignored) from client/*.ts. */
/** The demo page's browser code, bundled into one script for the page's inline `<script nonce>`. */
export declare const CLIENT_JS: string;
