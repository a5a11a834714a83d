/**
 * Bundle faults (npm run faults): each fault against a fresh worker — the worker exactly as `wrangler deploy` builds
 * it, run by Miniflare (workerd) with an R2 bucket this script writes while the worker serves, BUNDLE_SOURCE r2,
 * BUNDLE_TTL_SECONDS 0 — under load (concurrent fetch loops on /v1/predict). Prints one row per fault and exits 1
 * when any outcome is not the expected one. Also measures what detecting a changed bundle costs: storage metadata
 * of every file (what the registry compares) against reading and re-hashing the files.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_FILES, HealthResponse, ModelDetailResponse, PredictResponse, quantiles } from '#shared';
import { RELEASE_GRACE_MS } from '../worker/src/bundle/release-grace.js';
import { makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { buildDeployedWorker, startDirectWorker, type Bucket } from '../scripts/reliability/direct-worker.js';

const ID = 'fixture-mat', PREFIX = 'releases/fixture-mat';
const KEY = `faults-${Math.random().toString(36).slice(2)}`;
const CONNECTIONS = 8, LOAD_BEFORE_MS = 1500, LOAD_AFTER_MS = 2500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Files = Record<string, Uint8Array>;

interface Worker {
  url: string;
  put(name: string, bytes: Uint8Array | string): Promise<void>;
  remove(name: string): Promise<void>;
  bucket: Bucket;
  stop(): Promise<void>;
}

/** A fresh worker in workerd (scripts/reliability/direct-worker.ts), model `ID` read from the R2 prefix `PREFIX`. */
async function startWorker(dist: string, ttlSeconds = 0): Promise<Worker> {
  const { url, bucket, dispose } = await startDirectWorker(dist, { MODELS: `${ID}=${PREFIX}`, ACTIVE_MODEL: ID, BUNDLE_TTL_SECONDS: String(ttlSeconds), API_KEYS: KEY });
  return {
    url,
    bucket,
    put: async (name, bytes) => void await bucket.put(`${PREFIX}/${name}`, typeof bytes === 'string' ? bytes : new Uint8Array(bytes)),
    remove: (name) => bucket.delete(`${PREFIX}/${name}`),
    stop: dispose,
  };
}

const auth = { Authorization: `Bearer ${KEY}` };

interface Answer {
  status: number;
  text: string;
}

async function predict(url: string, input: number[]): Promise<Answer> {
  try {
    const res = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ inputs: [input] }) });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    return { status: 0, text: String(e) };
  }
}

async function health(url: string) {
  const res = await fetch(`${url}/healthz`);
  const text = await res.text();
  return { status: res.status, body: HealthResponse.parse(JSON.parse(text)), text };
}

async function operatorReason(url: string): Promise<string> {
  const body = ModelDetailResponse.parse(await (await fetch(`${url}/v1/models/${ID}`, { headers: auth })).json());
  return body.refused?.reason ?? '';
}

/** CONNECTIONS fetch loops on /v1/predict; `fault` is applied LOAD_BEFORE_MS in, the loops stop LOAD_AFTER_MS after. */
async function underLoad(url: string, input: number[], fault: () => Promise<void>, afterMs = LOAD_AFTER_MS): Promise<Answer[]> {
  const answers: Answer[] = [];
  let stop = false;
  const loop = async () => {
    while (!stop) answers.push(await predict(url, input));
  };
  const loops = Array.from({ length: CONNECTIONS }, loop);
  await sleep(LOAD_BEFORE_MS);
  await fault();
  await sleep(afterMs);
  stop = true;
  await Promise.all(loops);
  return answers;
}

const versionOf = (a: Answer) => (a.status === 200 ? PredictResponse.parse(JSON.parse(a.text)).model.version : null);
const nonFinite = (a: Answer) => a.status === 200 && !PredictResponse.parse(JSON.parse(a.text)).predictions.every((p) => p.probabilities.every(Number.isFinite));

interface Row {
  fault: string;
  expected: string;
  requests: number;
  ok200: number;
  failed: number;
  versions: string;
  nonFinite: number;
  identical: string;
  healthz: string;
  reason: string;
  pass: boolean;
}

/** A manifest as plain JSON, edited the way an attacker or a bad upload would (any field, any value). */
type ManifestJson = { model: { version: string }; files: { path: string; bytes: number; sha256: string }[]; [field: string]: unknown };

function relabel(manifest: Uint8Array, version: string, edit: (m: ManifestJson) => void = () => undefined): string {
  const m = JSON.parse(new TextDecoder().decode(manifest)) as ManifestJson;
  m.model.version = version;
  edit(m);
  return JSON.stringify(m);
}

/** The manifest of `files` with `name` replaced by `bytes` and listed with its true size and sha256 (a careful attacker). */
function rehashed(manifest: Uint8Array, version: string, name: string, bytes: Uint8Array): string {
  return relabel(manifest, version, (m) => {
    const entry = m.files.find((f) => f.path === name);
    if (!entry) throw new Error(`${name} is not listed in the manifest`);
    entry.bytes = bytes.byteLength;
    entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  });
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-faults-'));
  try {
    const dist = await buildDeployedWorker(work);
    const v1 = await makeFixtureBundle(path.join(work, 'v1'), { id: ID, version: '1.0.0', seed: 7 });
    const v2 = await makeFixtureBundle(path.join(work, 'v2'), { id: ID, version: '2.0.0', seed: 8 });
    const nan = await makeFixtureBundle(path.join(work, 'nan'), { id: ID, version: '2.0.0-nan', seed: 7, weights: 'nan' });
    const input = v1.test[0].input;
    const manifest1 = v1.files[BUNDLE_FILES.manifest];
    const model1 = v1.files[BUNDLE_FILES.model];
    const flipped = model1.slice();
    flipped[flipped.length - 5] ^= 0x40;
    const truncated = model1.slice(0, Math.floor(model1.length / 2));
    const seed = async (w: Worker, files: Files) => {
      for (const [name, bytes] of Object.entries(files)) if (name !== BUNDLE_FILES.manifest) await w.put(name, bytes);
      await w.put(BUNDLE_FILES.manifest, files[BUNDLE_FILES.manifest]); // last: a reader never sees a manifest ahead of its files
    };

    interface Fault {
      fault: string;
      expected: string;
      /** Applied while v1 serves under load; absent: the bundle is put into an empty bucket and v1 never served. */
      apply?: (w: Worker) => Promise<void>;
      fresh?: Files;
      /** What should serve afterwards. */
      after: '1.0.0' | '2.0.0' | null;
      reason?: RegExp;
      /** Load after the fault, when longer than LOAD_AFTER_MS. */
      afterMs?: number;
    }
    const faults: Fault[] = [
      { fault: 'corrupted weights re-hashed (fresh start)', expected: 'refused, 503, NaN never served', fresh: nan.files, after: null, reason: /^model\.onnx: output 'logits' is NaN/ },
      { fault: 'corrupted weights re-hashed as a new version', expected: 'refused, old keeps serving', apply: (w) => seed(w, nan.files), after: '1.0.0', reason: /^model\.onnx: output 'logits' is NaN/ },
      {
        fault: 'broken new version while the old serves', expected: 'refused, old keeps serving, 0 failed',
        apply: async (w) => { await w.put(BUNDLE_FILES.model, flipped); await w.put(BUNDLE_FILES.manifest, relabel(manifest1, '2.0.0')); },
        after: '1.0.0', reason: /^model\.onnx: sha256 mismatch/,
      },
      // Load goes on past the release grace period: the replaced session is released while requests keep coming.
      { fault: 'valid new version', expected: 'swapped, 0 failed, each answer one version', apply: (w) => seed(w, v2.files), after: '2.0.0', afterMs: RELEASE_GRACE_MS + 2000 },
      { fault: 'model.onnx corrupted, manifest unchanged', expected: 'noticed, old keeps serving', apply: (w) => w.put(BUNDLE_FILES.model, flipped), after: '1.0.0', reason: /^model\.onnx: sha256 mismatch/ },
      { fault: 'listed file missing (memorization.json)', expected: 'noticed, old keeps serving', apply: (w) => w.remove(BUNDLE_FILES.memorization), after: '1.0.0', reason: /^memorization\.json: listed in the manifest but missing/ },
      {
        fault: 'wrong schema (formatVersion 2)', expected: 'refused, old keeps serving',
        apply: (w) => w.put(BUNDLE_FILES.manifest, relabel(manifest1, '2.0.0', (m) => { m.formatVersion = 2; })), after: '1.0.0', reason: /^manifest\.json: does not match the bundle schema \(formatVersion/,
      },
      {
        fault: 'truncated model.onnx, manifest re-hashed', expected: 'refused, old keeps serving',
        apply: async (w) => { await w.put(BUNDLE_FILES.model, truncated); await w.put(BUNDLE_FILES.manifest, rehashed(manifest1, '2.0.0', BUNDLE_FILES.model, truncated)); },
        after: '1.0.0', reason: /^model\.onnx: could not be loaded by onnxruntime/,
      },
    ];

    const rows: Row[] = [];
    for (const f of faults) {
      const w = await startWorker(dist);
      try {
        let answers: Answer[];
        const refs = new Map<string, string>();
        if (f.fresh) {
          await seed(w, f.fresh);
          answers = await underLoad(w.url, input, async () => undefined);
        } else {
          await seed(w, v1.files);
          const first = await predict(w.url, input);
          if (first.status !== 200) throw new Error(`${f.fault}: v1 not served (${first.status} ${first.text})`);
          refs.set('1.0.0', first.text);
          answers = await underLoad(w.url, input, () => f.apply!(w), f.afterMs);
        }
        const after = await predict(w.url, input);
        if (after.status === 200) refs.set(versionOf(after)!, refs.get(versionOf(after)!) ?? after.text);
        const h = await health(w.url);
        const reason = await operatorReason(w.url);
        const ok = answers.filter((a) => a.status === 200);
        const versions = new Map<string, number>();
        for (const a of ok) versions.set(versionOf(a)!, (versions.get(versionOf(a)!) ?? 0) + 1);
        const identical = ok.filter((a) => refs.get(versionOf(a)!) === a.text).length;
        const bad = answers.filter(nonFinite).length;
        const m = h.body.models[0];
        const leaks = /sha256|r2:\/\/|onnxruntime|manifest\.json|model\.onnx/.test(h.text);
        const expectedFailed = f.fresh ? answers.length : 0;
        const pass = bad === 0 && !leaks
          && (answers.length - ok.length) === expectedFailed
          && (f.after === null ? after.status === 503 && h.status === 503 : versionOf(after) === f.after && identical === ok.length)
          && (f.reason ? f.reason.test(reason) : reason === '')
          && (f.after === '2.0.0' ? m.status === 'ok' : f.after === '1.0.0' ? m.status === 'degraded' && m.version === '1.0.0' : m.status === 'unavailable');
        rows.push({
          fault: f.fault,
          expected: f.expected,
          requests: answers.length,
          ok200: ok.length,
          failed: answers.length - ok.length,
          versions: [...versions].map(([v, n]) => `${v}×${n}`).join(' ') || '—',
          nonFinite: bad,
          identical: `${identical}/${ok.length}`,
          healthz: `${h.status} ${m.status}${m.version ? ` serving ${m.version}` : ''}${m.refusedVersion !== undefined ? `, refused ${m.refusedVersion}` : ''}${leaks ? ' LEAKS' : ''}`,
          reason: reason.length > 70 ? `${reason.slice(0, 67)}…` : reason || '—',
          pass,
        });
        console.error(`${pass ? 'pass' : 'FAIL'}: ${f.fault}`);
      } finally {
        await w.stop();
      }
    }

    console.log('\n| fault | expected | requests | 200 | failed | versions answered | non-finite 200s | answers identical to the lone answer | /healthz after | operator reason (GET /v1/models/:id) | outcome |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.fault} | ${r.expected} | ${r.requests} | ${r.ok200} | ${r.failed} | ${r.versions} | ${r.nonFinite} | ${r.identical} | ${r.healthz} | ${r.reason.replace(/\|/g, '\\|')} | ${r.pass ? 'as expected' : '**NOT as expected**'} |`);
    console.log(`\n${CONNECTIONS} concurrent fetch loops on /v1/predict; the fault is applied ${LOAD_BEFORE_MS} ms in, the load goes on ${LOAD_AFTER_MS} ms after (the valid swap: ${RELEASE_GRACE_MS + 2000} ms, past the ${RELEASE_GRACE_MS} ms release grace of the replaced session). Fresh worker (Miniflare, wrangler's deploy build) per fault, BUNDLE_TTL_SECONDS 0.`);

    await detectionCost(dist, v1.files, input);
    if (rows.some((r) => !r.pass)) process.exitCode = 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * What noticing a changed bundle costs per check: the registry's way (metadata of every file: one R2 head each),
 * against reading and re-hashing every file; both from this process through Miniflare's R2 for the fixture bundle
 * and a 4 MiB model; plus /healthz in the worker with a check on every request (TTL 0) and with none (TTL 3600).
 */
async function detectionCost(dist: string, files: Files, input: number[]): Promise<void> {
  const median = (xs: number[]) => quantiles(xs, [0.5])[0];
  const time = async (n: number, f: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await f();
      t.push(performance.now() - t0);
    }
    return median(t);
  };
  const lines: string[] = [];
  for (const [label, set] of [['fixture bundle', files], ['fixture + 4 MiB model.onnx', { ...files, [BUNDLE_FILES.model]: new Uint8Array(4 << 20).fill(7) }]] as const) {
    const w = await startWorker(dist);
    try {
      for (const [name, bytes] of Object.entries(set)) await w.put(name, bytes);
      const names = Object.values(BUNDLE_FILES);
      const bytes = Object.values(set).reduce((s, b) => s + b.byteLength, 0);
      const heads = await time(50, () => Promise.all(names.map((n) => w.bucket.head(`${PREFIX}/${n}`))));
      const rehash = await time(20, () => Promise.all(Object.keys(set).map(async (n) => {
        const o = await w.bucket.get(`${PREFIX}/${n}`);
        return createHash('sha256').update(new Uint8Array(await o!.arrayBuffer())).digest('hex');
      })));
      lines.push(`| ${label} (${(bytes / 1024).toFixed(0)} KiB) | ${heads.toFixed(2)} ms | ${rehash.toFixed(2)} ms |`);
    } finally {
      await w.stop();
    }
  }
  console.log('\n| detecting a changed bundle, per check | metadata of every file (R2 head ×6, what the registry does) | read + sha256 of every file |');
  console.log('|---|---|---|');
  for (const l of lines) console.log(l);

  const healthz: string[] = [];
  for (const ttl of [0, 3600]) {
    const w = await startWorker(dist, ttl);
    try {
      for (const [name, bytes] of Object.entries(files)) await w.put(name, bytes);
      if ((await predict(w.url, input)).status !== 200) throw new Error('cost run: bundle not served');
      healthz.push(`TTL ${ttl}: ${(await time(200, async () => (await fetch(`${w.url}/healthz`)).text())).toFixed(2)} ms`);
    } finally {
      await w.stop();
    }
  }
  console.log(`\n/healthz median over 200 sequential requests (one model): ${healthz.join(' (a storage check on every request); ')} (no check).`);
}

await main();
