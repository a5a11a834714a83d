import { describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { call } from './helpers.js';
import { openapiDoc } from './openapi-doc.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation of the document as `METHOD path` with the operation object. */
async function operations() {
  const doc = await openapiDoc();
  const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ route: `${m.toUpperCase()} ${path}`, op: item[m] })));
  return { doc, ops };
}

/** The JSON bodies of an operation: its request body and each response's. */
function bodies(op: any): { where: string; schema: any }[] {
  const out: { where: string; schema: any }[] = [];
  const request = op.requestBody?.content?.['application/json']?.schema;
  if (request) out.push({ where: 'request', schema: request });
  for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
    const schema = response.content?.['application/json']?.schema;
    if (schema) out.push({ where: `response ${status}`, schema });
  }
  return out;
}

describe('the API document', () => {
  it('gives every operation a unique operationId', async () => {
    const { ops } = await operations();
    expect(ops.length).toBeGreaterThanOrEqual(7);
    const missing = ops.filter(({ op }) => typeof op.operationId !== 'string' || !op.operationId).map(({ route }) => route);
    expect(missing).toEqual([]);
    const ids = ops.map(({ op }) => op.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.fromEntries(ops.map(({ route, op }) => [route, op.operationId]))).toMatchObject({
      'POST /v1/predict': 'predict', 'POST /v1/evaluate': 'evaluate', 'GET /healthz': 'getHealth',
    });
  });

  it('names every request and response body as a component schema', async () => {
    const { doc, ops } = await operations();
    const schemas = doc.components.schemas as Record<string, unknown>;
    for (const { route, op } of ops) {
      for (const { where, schema } of bodies(op)) {
        const ref = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref ?? '')?.[1];
        expect(ref, `${route} ${where}: ${JSON.stringify(schema).slice(0, 80)}`).toBeDefined();
        expect(schemas[ref!], `${route} ${where}: components.schemas.${ref}`).toBeTypeOf('object');
      }
    }
    const predict = doc.paths['/v1/predict'].post;
    expect(predict.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/PredictRequest');
    expect(predict.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/PredictResponse');
    expect(predict.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponse');
    // Nested named schemas are references too, so a reader (or a generator) sees one Prediction, not copies.
    expect(schemas.PredictResponse).toMatchObject({ properties: { predictions: { items: { $ref: '#/components/schemas/Prediction' } } } });
  });

  it("carries the package's version", async () => {
    const { doc } = await operations();
    expect(doc.info.version).toBe(version);
  });
});

describe('GET /docs', () => {
  it('answers the reference page, public, under a CSP that admits only the pinned CDN files and this origin', async () => {
    const res = await call('/docs', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain("url: '/openapi.json'");
    // Every script is either the CDN file with its integrity hash or carries this response's nonce.
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    expect(scripts.length).toBe(2);
    for (const attrs of scripts) {
      const external = /src="https:\/\/cdn\.jsdelivr\.net\/npm\/swagger-ui-dist@[\d.]+\/swagger-ui-bundle\.js" integrity="sha384-[A-Za-z0-9+/=]+"/.test(attrs);
      expect(external || attrs.includes(`nonce="${nonce}"`), attrs).toBe(true);
    }
    expect(html).toMatch(/<link rel="stylesheet" href="https:\/\/cdn\.jsdelivr\.net\/npm\/swagger-ui-dist@[\d.]+\/swagger-ui\.css" integrity="sha384-/);
    const again = await call('/docs', { key: null });
    expect(again.headers.get('content-security-policy')).not.toBe(csp);
  });
});
