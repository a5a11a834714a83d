/**
 * The request fuzzer's cases, shared by `npm run fuzz` (Node, against the worker in workerd) and its seeded slice in
 * the worker suite (tests/worker/fuzz.test.ts): every route, authorised and not, with the body families that broke or
 * could break the worker (huge rows, deep nesting, wrong types, unknown keys, numbers that overflow, empty, not JSON,
 * wrong content type, oversize). Runtime-neutral: fast-check and strings only.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { ErrorResponse, MAX_BATCH, MAX_BODY_BYTES } from '#shared';

export interface FuzzCase {
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

export interface FuzzContext {
  dim: number;
  /** A valid input row of the active model. */
  good: number[];
  /** A valid API key. */
  key: string;
  /** Configured model ids. */
  models: string[];
}

const BODY_ROUTES = ['/v1/predict', '/v1/evaluate', '/demo/predict'] as const;
const GET_ROUTES = ['/v1/models', '/healthz', '/openapi.json', '/v1/models/:id', '/demo/samples', '/'] as const;

/** Numbers that overflow float32 or a layer (1e38), double (1e309 → Infinity), or are odd (-0, denormals). */
const ODD_NUMBERS = ['1e38', '-1e38', '3.4e38', '1e308', '-1e308', '1e309', '-1e309', '-0', '5e-324', '1e-45', '0.1e1', '1E2', '-0.0'];

/** The worst bodies seen (issue 10) and their kin, as JSON text: built once per process (a few MiB each), then picked. */
let big: Record<WorstBody, string> | null = null;
export const WORST_BODIES = ['invalidRow', 'longInvalidRow', 'longRow', 'manyRows', 'deepNesting', 'wideObject', 'oversize', 'manyLabels'] as const;
export type WorstBody = (typeof WORST_BODIES)[number];
export function worstBodies(): Record<WorstBody, string> {
  big ??= {
    invalidRow: `{"inputs":[[${'"",'.repeat(149_999)}""]]}`,
    longInvalidRow: `{"inputs":[[${'"",'.repeat((MAX_BODY_BYTES - 64) / 3)}""]]}`,
    longRow: `{"inputs":[[${'0,'.repeat((MAX_BODY_BYTES - 64) / 2)}0]]}`,
    manyRows: `{"inputs":[${'{},'.repeat((MAX_BODY_BYTES - 64) / 3)}{}]}`,
    deepNesting: `{"inputs":${'['.repeat(500_000)}${']'.repeat(500_000)}}`,
    wideObject: `{${Array.from({ length: 340_000 }, (_, i) => `"k${i}":0`).join(',')}}`,
    oversize: `{"inputs":[[${'0,'.repeat(MAX_BODY_BYTES / 2)}0]]}`,
    manyLabels: `{"inputs":[[0]],"labels":[${'"a",'.repeat(800_000)}"a"]}`,
  };
  return big;
}

const json = (value: unknown) => JSON.stringify(value);

/** Raw JSON text of a row: the good row with some values replaced by odd number literals or other JSON. */
function rowText(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.tuple(
    fc.array(fc.tuple(fc.nat({ max: ctx.dim - 1 }), fc.oneof(fc.constantFrom(...ODD_NUMBERS), fc.jsonValue().map(json))), { maxLength: 4 }),
    fc.integer({ min: -3, max: 3 }),
  ).map(([edits, lengthDelta]) => {
    const cells = ctx.good.map(String);
    for (const [j, v] of edits) cells[j] = v;
    if (lengthDelta < 0) cells.length = Math.max(0, cells.length + lengthDelta);
    else for (let i = 0; i < lengthDelta; i++) cells.push('0.5');
    return `[${cells.join(',')}]`;
  });
}

/** A valid body for the route: good rows (with labels and groups of the same length for /v1/evaluate). */
function validBody(ctx: FuzzContext, path: string): fc.Arbitrary<{ family: string; body: string }> {
  return fc.tuple(fc.integer({ min: 1, max: path === '/demo/predict' ? 4 : 8 }), fc.boolean(), fc.constantFrom(...ctx.models)).map(([n, explain, model]) => {
    const rows = Array.from({ length: n }, (_, i) => ctx.good.map((v, j) => (j === i ? 0.5 : v)));
    const body = path === '/v1/evaluate'
      ? { model, inputs: rows, labels: rows.map((_, i) => i % 2), groups: rows.map((_, i) => i % 4) }
      : path === '/v1/predict' ? { model, inputs: rows, explain } : { inputs: rows };
    return { family: 'valid', body: json(body) };
  });
}

/** A JSON body for a route carrying input rows: near-valid, with the families of bad content mixed in. */
function rowsBody(ctx: FuzzContext): fc.Arbitrary<{ family: string; body: string }> {
  const rows = fc.array(fc.oneof(
    { weight: 3, arbitrary: fc.constant(json(ctx.good)) },
    { weight: 3, arbitrary: rowText(ctx) },
    { weight: 1, arbitrary: rowText(ctx).map((r) => `{"features":${r}}`) },
    { weight: 1, arbitrary: rowText(ctx).map((r) => `{"features":${r},${json(`k${r.length % 7}`)}:1}`) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json) },
  ), { minLength: 0, maxLength: 6 });
  const extras = fc.dictionary(
    fc.oneof(fc.constantFrom('model', 'explain', 'labels', 'groups', 'thresholds', 'explian', 'input', '__proto__', 'constructor'), fc.string({ maxLength: 8 })),
    fc.oneof(
      fc.jsonValue({ maxDepth: 2 }).map(json),
      fc.constantFrom(...ctx.models.map((m) => json(m)), 'true', 'false', '[0]', '[0,1]', '[1,0,1,0,1,0]', '{"reliance":0.5}', '{"relaince":0.5}', ...ODD_NUMBERS),
    ),
    { maxKeys: 3 },
  );
  return fc.tuple(rows, extras).map(([r, e]) => {
    const fields = [`"inputs":[${r.join(',')}]`, ...Object.entries(e).map(([k, v]) => `${json(k)}:${v}`)];
    return { family: Object.keys(e).some((k) => !['model', 'explain', 'labels', 'groups', 'thresholds'].includes(k)) ? 'unknown-keys' : 'rows', body: `{${fields.join(',')}}` };
  });
}

/** Bodies generated to be long: rows of many elements, many rows, nested deep, by size. */
function hugeBody(): fc.Arbitrary<{ family: string; body: string }> {
  return fc.oneof(
    fc.constantFrom(...WORST_BODIES).map((k) => ({ family: `huge:${k}`, body: worstBodies()[k] })),
    fc.tuple(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('0', '""', 'null', '[]', '1e38', '{}')).map(([n, cell]) => ({
      family: 'huge:row', body: `{"inputs":[[${`${cell},`.repeat(n - 1)}${cell}]]}`,
    })),
    fc.tuple(fc.integer({ min: MAX_BATCH - 2, max: 20_000 }), fc.constantFrom('[0]', '0', '{}')).map(([n, row]) => ({
      family: 'huge:rows', body: `{"inputs":[${`${row},`.repeat(n - 1)}${row}]}`,
    })),
    fc.integer({ min: 10, max: 200_000 }).map((n) => ({ family: 'huge:nesting', body: `{"inputs":[${'['.repeat(n)}${']'.repeat(n)}]}` })),
    fc.integer({ min: 10, max: 100_000 }).map((n) => ({ family: 'huge:objects', body: `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` })),
  );
}

/** Bodies that are not (valid) JSON objects at all. */
function otherBody(): fc.Arbitrary<{ family: string; body: string | Uint8Array<ArrayBuffer> | undefined }> {
  return fc.oneof(
    fc.constant({ family: 'empty', body: undefined }),
    fc.constant({ family: 'empty', body: '' }),
    fc.jsonValue().map((v) => ({ family: 'wrong-types', body: json(v) })),
    fc.string({ maxLength: 60 }).map((s) => ({ family: 'not-json', body: s })),
    fc.constantFrom('{"inputs":[[NaN]]}', '{"inputs":[[Infinity]]}', '{"inputs":[[0.1', '{"inputs":[[0x10]]}', "{'inputs':[[0]]}", '\uFEFF{"inputs":[[0]]}')
      .map((s) => ({ family: 'not-json', body: s })),
    fc.uint8Array({ maxLength: 300 }).map((b) => ({ family: 'bytes', body: new Uint8Array(b) })),
  );
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data', ''];

function authHeader(ctx: FuzzContext): fc.Arbitrary<{ auth: string; headers: Record<string, string> }> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ auth: 'key', headers: { Authorization: `Bearer ${ctx.key}` } }) },
    { weight: 1, arbitrary: fc.constant({ auth: 'none', headers: {} as Record<string, string> }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => ({ auth: 'bad', headers: { Authorization: `Bearer ${s.replace(/[^\x21-\x7e]/g, '')}x` } })) },
    { weight: 1, arbitrary: fc.constantFrom('Basic abc', 'Bearer', 'bearer  x', `Bearer ${ctx.key} extra`).map((a) => ({ auth: 'bad', headers: { Authorization: a } })) },
  );
}

/** A client address for the demo's rate limiter (one per case, mostly distinct: the limiter is tested elsewhere). */
const clientAddress = (ip: number) => `10.${ip >> 16}.${(ip >> 8) & 255}.${ip & 255}`;

/** One fuzzed request: a route, its method, headers (key, content type, client address) and body. */
export function fuzzCase(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const bodyCase = fc.tuple(
    fc.constantFrom(...BODY_ROUTES).chain((path) => fc.tuple(fc.constant(path), fc.oneof(
      { weight: 3, arbitrary: validBody(ctx, path) }, { weight: 6, arbitrary: rowsBody(ctx) }, { weight: 1, arbitrary: hugeBody() }, { weight: 3, arbitrary: otherBody() },
    ))),
    fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
    authHeader(ctx),
    fc.nat({ max: 1 << 20 }),
  ).map(([[path, { family, body }], contentType, { auth, headers }, ip]): FuzzCase => ({
    family: contentType === 'application/json' ? family : `content-type`,
    method: 'POST',
    path,
    headers: { ...headers, ...(contentType ? { 'Content-Type': contentType } : {}), 'CF-Connecting-IP': clientAddress(ip) },
    body: body ?? undefined,
    ...(auth !== 'key' ? { family: `auth:${auth}` } : {}),
  }));
  const getCase = fc.tuple(
    fc.constantFrom(...GET_ROUTES),
    fc.oneof(fc.constantFrom(...ctx.models), fc.string({ maxLength: 12 }), fc.constantFrom('..%2F..%2Fwrangler.toml', '%00', 'a'.repeat(300), '%E0%A4%A')),
    fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') }),
    authHeader(ctx),
    fc.nat({ max: 1 << 20 }),
  ).map(([route, id, method, { auth, headers }, ip]): FuzzCase => ({
    family: method === 'GET' ? `get${auth === 'key' ? '' : `:auth:${auth}`}` : 'method',
    method,
    path: route === '/v1/models/:id' ? `/v1/models/${encodeURIComponent(id).replaceAll('%25', '%')}` : route,
    headers: { ...headers, 'CF-Connecting-IP': clientAddress(ip) },
  }));
  return fc.oneof({ weight: 4, arbitrary: bodyCase }, { weight: 1, arbitrary: getCase });
}

/** The one error shape, with no key besides `code`, `message` and `issues` (and at most 20 issues). */
const StrictErrorResponse = z.strictObject({
  error: z.strictObject({ ...ErrorResponse.shape.error.shape, issues: ErrorResponse.shape.error.shape.issues.unwrap().max(20).optional() }),
});

/**
 * Why a response breaks the contract, or null: any 5xx, and any error status whose body is off the one error shape
 * (a HEAD answer has no body by HTTP's definition: its status is all there is to check).
 */
export function contractBreach(status: number, text: string, method = 'GET'): string | null {
  if (status >= 500) return `status ${status}: ${text.slice(0, 200)}`;
  if (status < 400 || (method === 'HEAD' && text === '')) return null;
  try {
    if (StrictErrorResponse.safeParse(JSON.parse(text)).success) return null;
  } catch {
    // not JSON: off the shape
  }
  return `status ${status} with a body off the error shape: ${text.slice(0, 200)}`;
}

export interface FuzzResult {
  /** route → status → count */
  counts: Map<string, Map<number, number>>;
  /** family → status → count */
  families: Map<string, Map<number, number>>;
  breaches: { case: string; reason: string }[];
  cases: number;
}

const bump = (m: Map<string, Map<number, number>>, k: string, status: number) => {
  const row = m.get(k) ?? new Map<number, number>();
  row.set(status, (row.get(status) ?? 0) + 1);
  m.set(k, row);
};

/** The route a path belongs to, for the counts (`/v1/models/x` → `/v1/models/:id`). */
const routeOf = (path: string) => (path.startsWith('/v1/models/') ? '/v1/models/:id' : path);

/**
 * Sends `numRuns` seeded cases one after another through `send` and records every status and every contract breach
 * (never stopping at the first: the run reports them all).
 */
export async function runFuzz(
  ctx: FuzzContext, numRuns: number, seed: number, send: (c: FuzzCase) => Promise<{ status: number; text: string }>,
): Promise<FuzzResult> {
  const result: FuzzResult = { counts: new Map(), families: new Map(), breaches: [], cases: 0 };
  await fc.assert(fc.asyncProperty(fuzzCase(ctx), async (c) => {
    const { status, text } = await send(c);
    result.cases++;
    bump(result.counts, routeOf(c.path), status);
    bump(result.families, c.family, status);
    const reason = contractBreach(status, text, c.method);
    if (reason && result.breaches.length < 50) {
      const body = typeof c.body === 'string' ? c.body.slice(0, 120) : c.body ? `<${c.body.length} bytes>` : '';
      result.breaches.push({ case: `${c.method} ${c.path} [${c.family}] ${body}`, reason });
    }
  }), { numRuns, seed, endOnFailure: true });
  return result;
}

/** A markdown table of counts: one row per key, one column per status seen, and the total. */
export function countsTable(counts: Map<string, Map<number, number>>, first = 'route'): string {
  const statuses = [...new Set([...counts.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const lines = [`| ${first} | ${statuses.join(' | ')} | total |`, `|---|${statuses.map(() => '---:|').join('')}---:|`];
  const total = new Map<number, number>();
  for (const [k, m] of [...counts.entries()].sort()) {
    for (const [s, n] of m) total.set(s, (total.get(s) ?? 0) + n);
    lines.push(`| ${k} | ${statuses.map((s) => m.get(s) ?? 0).join(' | ')} | ${[...m.values()].reduce((a, b) => a + b, 0)} |`);
  }
  lines.push(`| **all** | ${statuses.map((s) => total.get(s) ?? 0).join(' | ')} | ${[...total.values()].reduce((a, b) => a + b, 0)} |`);
  return lines.join('\n');
}
