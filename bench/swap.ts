/**
 * Versions swapped under load (npm run swap): the worker as `wrangler deploy` builds it, run by Miniflare (workerd)
 * with wrangler.toml's R2 bucket and MODEL_VERSIONS KV namespace persisted to disk, in the same folder `mat-edge
 * publish` / `activate` write through wrangler's local bindings. Publishes two versions, activates v1, then activates
 * v2 while concurrent fetch loops call /v1/predict (the active version) and /v1/predict with `model@v1` (pinned);
 * every answer must come from exactly one version (byte-identical to that version's lone answer) and none may fail.
 * Then a published version corrupted in storage: activate refuses it, and written into KV by hand it is never served.
 * Prints the acceptance line; exits 1 when any outcome is not the expected one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_FILES, HealthResponse, PredictResponse, versionPrefix } from '#shared';
import { makeFixtureBundle } from '../tests/fixtures/bundle/make-bundle.js';
import { activateVersion } from '../trainer/src/cli/activate-command.js';
import { publishBundle } from '../trainer/src/cli/publish-command.js';
import { openStore } from '../trainer/src/bundle/store.js';
import { buildDeployedWorker, startDirectWorker } from '../scripts/reliability/direct-worker.js';

const ID = 'fixture-mat';
const KEY = `swap-${Math.random().toString(36).slice(2)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SwapOptions {
  /** Fetch loops on the active version, and on `@v1`. */
  connections?: number;
  pinnedConnections?: number;
  /** Load before the activation, and after the worker first answers v2. */
  beforeMs?: number;
  afterMs?: number;
  ttlSeconds?: number;
  log?: (line: string) => void;
}

interface Answer {
  status: number;
  text: string;
  /** Date.now() when the answer arrived. */
  at: number;
}

export interface LoadTally {
  requests: number;
  failed: number;
  /** Answers per version. */
  versions: Record<string, number>;
  /** 200s byte-identical to the lone answer of the version they name. */
  identical: number;
}

export interface SwapResult {
  active: LoadTally;
  pinned: LoadTally;
  /** From the end of the KV write to the first answer from v2 (BUNDLE_TTL_SECONDS + verification in workerd). */
  swapMs: number | null;
  /** From the first v2 answer to the last v1 answer on the active loops (negative: every v1 answer came before it). */
  overlapMs: number | null;
  /** The version each phase's lone requests saw. */
  before: string | null;
  after: string | null;
  pinnedAfter: string | null;
  /** What activate said about the corrupted version (it must refuse). */
  corruptActivate: string;
  /** KV after the refused activate. */
  activeAfterRefusal: string | null;
  /** Versions answered while KV named the corrupted one by hand, and /healthz then. */
  corruptServed: Record<string, number>;
  corruptHealth: string;
  corruptPinnedStatus: number;
  pass: boolean;
}

export async function runSwap(o: SwapOptions = {}): Promise<SwapResult> {
  const { connections = 8, pinnedConnections = 2, beforeMs = 1500, afterMs = 3000, ttlSeconds = 1, log = () => undefined } = o;
  const work = await mkdtemp(path.join(tmpdir(), 'mat-edge-swap-'));
  const state = path.join(work, 'state');
  try {
    log('building the worker (wrangler deploy --dry-run)…');
    const dist = await buildDeployedWorker(work);
    const v1 = await makeFixtureBundle(path.join(work, 'v1'), { id: ID, version: '1.0.0', seed: 7 });
    await makeFixtureBundle(path.join(work, 'v2'), { id: ID, version: '2.0.0', seed: 8 });
    const input = v1.test[0].input;

    const store = await openStore({ persistTo: state });
    try {
      log(`publishing v1, v2 and v3 into ${state} (wrangler's local R2), activating v1`);
      await publishBundle(path.join(work, 'v1'), store, 'v1');
      await publishBundle(path.join(work, 'v2'), store, 'v2');
      await activateVersion(store, ID, 'v1');
      // v3: published intact, then one byte of its model flipped in storage (bit rot, a hand upload).
      await publishBundle(path.join(work, 'v2'), store, 'v3');
      const model = (await store.get(`${versionPrefix(ID, 'v3')}/${BUNDLE_FILES.model}`))!.slice();
      model[model.length - 5] ^= 0x40;
      await store.put(`${versionPrefix(ID, 'v3')}/${BUNDLE_FILES.model}`, model);

      const worker = await startDirectWorker(dist, { MODELS: ID, ACTIVE_MODEL: ID, BUNDLE_TTL_SECONDS: String(ttlSeconds), API_KEYS: KEY }, { persistTo: state });
      try {
        const predict = async (model?: string): Promise<Answer> => {
          try {
            const res = await fetch(`${worker.url}/v1/predict`, {
              method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ ...(model ? { model } : {}), inputs: [input] }),
            });
            return { status: res.status, text: await res.text(), at: Date.now() };
          } catch (e) {
            return { status: 0, text: String(e), at: Date.now() };
          }
        };
        const versionOf = (a: Answer) => (a.status === 200 ? PredictResponse.parse(JSON.parse(a.text)).model.version : null);
        const refs = new Map<string, string>();
        const lone = async (model?: string) => {
          const a = await predict(model);
          const v = versionOf(a);
          if (v && !refs.has(v)) refs.set(v, a.text);
          return v;
        };
        const before = await lone();
        await lone(`${ID}@v2`);

        // The swap under load.
        log(`load: ${connections} loops on ${ID}, ${pinnedConnections} on ${ID}@v1; activating v2 after ${beforeMs} ms`);
        const active: Answer[] = [], pinned: Answer[] = [];
        let stop = false;
        const loop = async (into: Answer[], model?: string) => {
          while (!stop) into.push(await predict(model));
        };
        const loops = [...Array.from({ length: connections }, () => loop(active)), ...Array.from({ length: pinnedConnections }, () => loop(pinned, `${ID}@v1`))];
        await sleep(beforeMs);
        await activateVersion(store, ID, 'v2');
        const t0 = Date.now(); // the KV write is done
        while (!active.slice(-connections).some((a) => versionOf(a) === 'v2') && Date.now() - t0 < 30_000) await sleep(50);
        await sleep(afterMs);
        stop = true;
        await Promise.all(loops);
        const firstV2 = active.find((a) => versionOf(a) === 'v2');
        const lastV1 = [...active].reverse().find((a) => versionOf(a) === 'v1');
        const after = await lone();
        const pinnedAfter = await lone(`${ID}@v1`);

        const tally = (answers: Answer[]): LoadTally => {
          const versions: Record<string, number> = {};
          let identical = 0;
          for (const a of answers) {
            const v = versionOf(a);
            if (!v) continue;
            versions[v] = (versions[v] ?? 0) + 1;
            if (refs.get(v) === a.text) identical++;
          }
          return { requests: answers.length, failed: answers.filter((a) => a.status !== 200).length, versions, identical };
        };

        // The corrupted version: activate refuses it; put into KV by hand, the worker never serves it.
        let corruptActivate = 'activated (NOT expected)';
        try {
          await activateVersion(store, ID, 'v3');
        } catch (e) {
          corruptActivate = (e as Error).message;
        }
        const activeAfterRefusal = await store.activeVersion(ID);
        await store.setActiveVersion(ID, 'v3');
        await sleep(ttlSeconds * 1000 + 200);
        const corrupt: Answer[] = [];
        for (let i = 0; i < 20; i++) corrupt.push(await predict());
        const corruptServed = tally(corrupt).versions;
        const h = HealthResponse.parse(await (await fetch(`${worker.url}/healthz`)).json()).models[0];
        const corruptHealth = `${h.status}, serving ${h.version}, refused ${h.refusedVersion}`;
        const corruptPinnedStatus = (await predict(`${ID}@v3`)).status;
        await store.setActiveVersion(ID, 'v2');

        const a = tally(active), p = tally(pinned);
        const pass = before === 'v1' && after === 'v2' && pinnedAfter === 'v1'
          && a.failed === 0 && a.identical === a.requests && Object.keys(a.versions).sort().join() === 'v1,v2'
          && p.failed === 0 && p.identical === p.requests && Object.keys(p.versions).join() === 'v1'
          && /fails verification, not activated: model\.onnx: sha256 mismatch/.test(corruptActivate) && activeAfterRefusal === 'v2'
          && Object.keys(corruptServed).join() === 'v2' && corruptServed.v2 === 20 && corruptHealth === 'degraded, serving v2, refused v3' && corruptPinnedStatus === 409;
        return { active: a, pinned: p, swapMs: firstV2 ? firstV2.at - t0 : null, overlapMs: firstV2 && lastV1 ? lastV1.at - firstV2.at : null, before, after, pinnedAfter, corruptActivate, activeAfterRefusal, corruptServed, corruptHealth, corruptPinnedStatus, pass };
      } finally {
        await worker.dispose();
      }
    } finally {
      await store.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const fmt = (v: Record<string, number>) => Object.entries(v).map(([k, n]) => `${k}×${n}`).join(' ') || '—';

/** The acceptance line and the details behind it. */
export function swapReport(r: SwapResult): string[] {
  return [
    `swap under load: ${r.active.requests + r.pinned.requests} requests, ${r.active.failed + r.pinned.failed} failures, versions seen: ${fmt(r.active.versions)} (active) and ${fmt(r.pinned.versions)} (pinned @v1); ${r.active.identical + r.pinned.identical}/${r.active.requests + r.pinned.requests} answers identical to their version's lone answer — ${r.pass ? 'as expected' : 'NOT as expected'}`,
    `  lone requests: before ${r.before}, after ${r.after}, @v1 after ${r.pinnedAfter}; first v2 answer ${r.swapMs} ms after the KV write, last v1 answer on the active loops ${r.overlapMs} ms after that`,
    `  corrupted v3: activate said "${r.corruptActivate}"; MODEL_VERSIONS stayed ${r.activeAfterRefusal}; written by hand, 20 requests answered ${fmt(r.corruptServed)}; /healthz ${r.corruptHealth}; @v3 → ${r.corruptPinnedStatus}`,
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const r = await runSwap({ log: (l) => console.error(l) });
  for (const line of swapReport(r)) console.log(line);
  if (!r.pass) process.exitCode = 1;
}
