/**
 * `mat-edge score` against the real worker (`wrangler dev`, workerd) serving a fixture bundle: a small labelled file
 * scored in many small batches, several in flight, must give exactly the evaluation of one /v1/evaluate call over all
 * its rows, and the predictions of one /v1/predict call, row for row and in order.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MatEdgeClient } from '../../client/src/client.js';
import { silentProgress } from '../../trainer/src/pipeline/progress.js';
import { scoreFile } from '../../trainer/src/cli/score-command.js';
import { RandomState } from '../../trainer/src/random.js';
import { CLASS_NAMES, GROUP_NAMES, makeFixtureBundle } from '../fixtures/bundle/make-bundle.js';
import { startWranglerDev, type DevServer } from './wrangler-dev.js';

const KEY = 'score-e2e-key';
const ROWS = 150;

let work: string, server: DevServer, client: MatEdgeClient;
const inputs: number[][] = [], labels: number[] = [], groups: number[] = [];

/** A [n, d] float64 .npy file (format 1.0, header padded to 64 bytes as NumPy writes it). */
function npyBytes(rows: number[][]): Buffer {
  const d = rows[0].length;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows.length}, ${d}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const prefix = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from(new Uint16Array([header.length]).buffer), Buffer.from(header, 'latin1')]);
  return Buffer.concat([prefix, Buffer.from(Float64Array.from(rows.flat()).buffer)]);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'mat-edge-score-'));
  const fixture = await makeFixtureBundle(path.join(work, 'bundles', 'mat-cmnist'), { id: 'mat-cmnist', algorithm: 'mat' });
  server = await startWranglerDev({
    assetsDir: path.join(work, 'bundles'),
    vars: { MODELS: 'mat-cmnist', ACTIVE_MODEL: 'mat-cmnist', BUNDLE_SOURCE: 'assets', API_KEYS: KEY, DEMO_ORIGIN: 'http://localhost:1' },
  });
  client = new MatEdgeClient({ url: server.url, key: KEY });

  // Test digits and training members (measured memorization), then random pixels: every estimator and group.
  const rng = new RandomState(5);
  for (const t of [...fixture.test, ...fixture.members]) inputs.push(t.input), labels.push(t.label), groups.push(t.group);
  while (inputs.length < ROWS) {
    const label = rng.random() < 0.5 ? 0 : 1;
    inputs.push(Array.from({ length: fixture.manifest.input.dim }, () => rng.random()));
    labels.push(label);
    groups.push(2 * label + (rng.random() < 0.3 ? 1 : 0));
  }
  const header = [...inputs[0].map((_, j) => `p${j}`), 'label', 'group', 'id'];
  const quote = (s: string) => `"${s}"`;
  const lines = inputs.map((x, i) => [...x.map(String), quote(CLASS_NAMES[labels[i]]), quote(GROUP_NAMES[groups[i]]), `r${i}`].join(','));
  await writeFile(path.join(work, 'rows.csv'), `${[header.join(','), ...lines].join('\n')}\n`);
  await writeFile(path.join(work, 'rows.jsonl'), inputs.map((x, i) => `${JSON.stringify({ id: `r${i}`, label: CLASS_NAMES[labels[i]], group: GROUP_NAMES[groups[i]], ...Object.fromEntries(x.map((v, j) => [`p${j}`, v])) })}\n`).join(''));
  await writeFile(path.join(work, 'rows.npy'), npyBytes(inputs));
  await writeFile(path.join(work, 'labels.csv'), `${['label,group', ...labels.map((y, i) => `${y},${quote(GROUP_NAMES[groups[i]])}`)].join('\n')}\n`);
});

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const roles = { labelColumn: 'label', groupColumn: 'group', progress: silentProgress };

describe('mat-edge score against wrangler dev', () => {
  it('--evaluate in batches of 16, 3 in flight: the merged evaluation is exactly the single-call /v1/evaluate', async () => {
    const out = path.join(work, 'flagged.jsonl');
    const r = await scoreFile(path.join(work, 'rows.csv'), { url: server.url, key: KEY, evaluate: true, batch: 16, concurrency: 3, idColumn: 'id', out, ...roles });
    expect(r.rows).toBe(ROWS);
    expect(r.requests).toBe(Math.ceil(ROWS / 16));
    const single = await client.evaluate({ inputs, labels, groups });
    const { model, flagged, stats, ...figures } = single;
    const e = r.evaluation!;
    expect(e.model).toEqual({ ...model, algorithm: 'mat' });
    expect({
      n: e.n, accuracy: e.accuracy, worst_group_accuracy: e.worst_group_accuracy, group_source: e.group_source, per_group: e.per_group,
      scores: (({ members: _m, ...s }) => s)(e.scores),
    }).toEqual(figures);
    expect(e.group_source).toBe('true');
    expect(e.scores.members).toBe(stats.members);
    expect(stats.members).toBeGreaterThan(0);
    // The flagged rows written, named by the file's ids, are the single call's flagged inputs.
    const written = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(written.map((w) => w.id)).toEqual(flagged.map((f) => `r${f.index}`));
    expect(written.map((w) => w.reasons)).toEqual(flagged.map((f) => f.reasons.join(' ')));
    expect(flagged.length).toBeGreaterThan(0);

    // The same rows as .npy features with a companion labels table (class indices) say the same.
    const npy = await scoreFile(path.join(work, 'rows.npy'), { url: server.url, key: KEY, evaluate: true, batch: 50, labels: path.join(work, 'labels.csv'), ...roles });
    expect(npy.evaluation).toEqual({ ...e, data: path.join(work, 'rows.npy') });
    // And as JSON Lines, columns in another order.
    const jsonl = await scoreFile(path.join(work, 'rows.jsonl'), { url: server.url, key: KEY, evaluate: true, batch: 64, concurrency: 2, idColumn: 'id', ...roles });
    expect(jsonl.evaluation).toEqual({ ...e, data: path.join(work, 'rows.jsonl') });
  });

  it('predict: every row written with its id, in order, as one /v1/predict call answers', async () => {
    const out = path.join(work, 'rows.out.jsonl');
    const r = await scoreFile(path.join(work, 'rows.csv'), { url: server.url, key: KEY, batch: 37, concurrency: 4, out, ...roles, idColumn: 'id' });
    expect(r.evaluation).toBeNull();
    const written = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const single = await client.predict({ inputs });
    expect(written.map((w) => w.id)).toEqual(inputs.map((_, i) => `r${i}`));
    expect(written.map((w) => w.prediction)).toEqual(single.predictions.map((p) => p.class_name));
    expect(written.map((w) => w.memorization)).toEqual(single.predictions.map((p) => p.memorization.score));
    expect(written.map((w) => w.reliance)).toEqual(single.predictions.map((p) => p.spurious.reliance));
  });
});
