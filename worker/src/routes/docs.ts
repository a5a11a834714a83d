import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';

/** The asset URLs the middleware hands to manuallySwaggerUIHtml. */
type AssetURLs = { css: string[]; js: string[] };

/**
 * Swagger UI, pinned, from a public CDN: its 1.7 MB bundle is not worth adding to a script already near the Free
 * plan's size limit (docs/edge-stack.md Q6). Subresource integrity makes the browser refuse any other bytes under
 * these URLs; the hashes are of swagger-ui-dist 5.35.0's files as npm publishes them (`npm pack swagger-ui-dist@5.35.0`).
 */
export const SWAGGER_UI = {
  baseUrl: 'https://cdn.jsdelivr.net/npm',
  version: '5.35.0',
  css: 'sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I',
  js: 'sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9',
} as const;

const CDN_ORIGIN = new URL(SWAGGER_UI.baseUrl).origin;

/** Where the page reads the API document (same origin). */
const DOC_URL = '/openapi.json';

/** The middleware's markup, plus integrity on the CDN files and the response's nonce on the inline initializer. */
function page(asset: AssetURLs, nonce: string): string {
  return `<div id="swagger-ui"></div>
${asset.css.map((href) => `<link rel="stylesheet" href="${href}" integrity="${SWAGGER_UI.css}" crossorigin="anonymous" />`).join('\n')}
${asset.js.map((src) => `<script src="${src}" integrity="${SWAGGER_UI.js}" crossorigin="anonymous"></script>`).join('\n')}
<script nonce="${nonce}">
  window.onload = () => { window.ui = SwaggerUIBundle({ dom_id: '#swagger-ui', url: '${DOC_URL}', displayOperationId: true }); };
</script>`;
}

/**
 * `GET /docs`: the API reference, rendered in the browser from /openapi.json. Public like the document itself. The
 * CSP admits scripts and styles from the CDN origin only (the inline initializer by nonce), requests to this origin
 * only (the document and "Try it out"), and Swagger UI's inline SVG icons as data: images.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.get('/docs', async (c, next) => {
    const nonce = crypto.randomUUID().replaceAll('-', '');
    c.header('Content-Security-Policy', `default-src 'none'; script-src 'nonce-${nonce}' ${CDN_ORIGIN}; style-src ${CDN_ORIGIN}; img-src data: ${CDN_ORIGIN}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
    c.header('Cache-Control', 'no-store');
    const { baseUrl, version } = SWAGGER_UI;
    return swaggerUI<AppEnv>({ url: DOC_URL, baseUrl, version, title: 'mat-edge API', manuallySwaggerUIHtml: (asset) => page(asset, nonce) })(c, next);
  });
}
