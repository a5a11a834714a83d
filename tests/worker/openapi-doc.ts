/** Reading the worker's /openapi.json in tests: the document and its `$ref`s into `components.schemas`. */
import { call } from './helpers.js';

/** A JSON document walked by the tests. */
export type Json = any;

export async function openapiDoc(): Promise<Json> {
  const res = await call('/openapi.json', { key: null });
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  return res.json();
}

/** `schema` with every `$ref` replaced by the component it names (the documents have no recursive schema). */
export function deref(doc: Json, schema: Json): Json {
  if (Array.isArray(schema)) return schema.map((s) => deref(doc, s));
  if (!schema || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    if (!name || !doc.components?.schemas?.[name]) throw new Error(`unresolved $ref ${schema.$ref}`);
    const { $ref: _, ...rest } = schema;
    return { ...deref(doc, doc.components.schemas[name]), ...rest };
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, deref(doc, v)]));
}
