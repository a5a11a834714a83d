/**
 * Runs in Node before the workerd tests: builds the fixture bundles (plus broken copies for the integrity tests) and
 * computes the expected answers independently of the worker: the model outputs from the pure-TS forward pass, checked
 * against onnxruntime in Node, then scored by the shared `scoreRow`.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { BUNDLE_FILES, contentHash, preprocess, scoreRow, bundleTables, MemorizationIndex, type Manifest } from '#shared';
import { forwardMlp } from '../../trainer/src/model/forward.js';
import { createOrtSession, runAll } from '../../trainer/src/model/ort-node.js';
import { RandomState } from '../../trainer/src/random.js';
import { makeFixtureBundle, type Fixture } from '../fixtures/bundle/make-bundle.js';
import type { WorkerFixture } from './fixture.js';

const PARITY_TOL = 1e-5;

function assertClose(name: string, a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new Error(`${name}: ${a.length} vs ${b.length} values`);
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i] - b[i]) > PARITY_TOL) throw new Error(`${name}[${i}]: onnxruntime ${a[i]} vs forwardMlp ${b[i]}`);
  }
}

async function expectedPredictions(fixture: Fixture, inputs: number[][], labels: number[]) {
  const m: Manifest = fixture.manifest, n = inputs.length, d = m.input.dim;
  const x = new Float32Array(n * d);
  inputs.forEach((v, i) => preprocess(v, m.input.preprocessing, x.subarray(i * d, (i + 1) * d)));
  const served = forwardMlp(fixture.networks.served, x, n);
  const twinA = forwardMlp(fixture.networks.twinA, x, n).logits, twinB = forwardMlp(fixture.networks.twinB, x, n).logits;
  const ort = await runAll(await createOrtSession(fixture.files[BUNDLE_FILES.model]), x, n, d);
  assertClose('logits', ort.logits, served.logits);
  assertClose('embedding', ort.embedding, served.embedding);
  assertClose('twin_a', ort.twinA, twinA);
  assertClose('twin_b', ort.twinB, twinB);

  const index = MemorizationIndex.parse(JSON.parse(new TextDecoder().decode(fixture.files[BUNDLE_FILES.memorization])));
  const tables = bundleTables(m, index.exemplars);
  const K = m.classNames.length, E = m.architecture.embeddingDim;
  const row = (i: number) => ({
    logits: served.logits.subarray(i * K, (i + 1) * K),
    embedding: served.embedding.subarray(i * E, (i + 1) * E),
    twinA: twinA.subarray(i * K, (i + 1) * K),
    twinB: twinB.subarray(i * K, (i + 1) * K),
  });
  const memberScores = await Promise.all(inputs.map(async (v) => index.members[await contentHash(v)] ?? null));
  const predictions = inputs.map((_, i) => scoreRow(row(i), m, tables, { memberScore: memberScores[i], explain: true }));
  // What /v1/evaluate serves for each probe with its label (label-aware memorization of non-members).
  const labelledMemorization = inputs.map((_, i) => scoreRow(row(i), m, tables, { memberScore: memberScores[i], label: labels[i], explain: false }).memorization);
  // XRM cross-mistake of each labelled probe, written out here rather than with the shared helper.
  const argmaxRow = (z: Float32Array, i: number) => (z[i * K + 1] > z[i * K] ? 1 : 0);
  const crossMistakes = labels.map((y, i) => argmaxRow(twinA, i) !== y || argmaxRow(twinB, i) !== y);
  return { predictions, labelledMemorization, crossMistakes };
}

/** Every file under `root` (one folder per bundle) keyed `<folder>/<file>`, base64. */
async function objectsUnder(root: string): Promise<Record<string, string>> {
  const objects: Record<string, string> = {};
  for (const folder of await readdir(root)) {
    for (const name of await readdir(path.join(root, folder))) objects[`${folder}/${name}`] = (await readFile(path.join(root, folder, name))).toString('base64');
  }
  return objects;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-worker-tests-'));
  const mat = await makeFixtureBundle(path.join(root, 'fixture-mat'), { id: 'fixture-mat', algorithm: 'mat', preprocessing: 'standardize' });
  await makeFixtureBundle(path.join(root, 'fixture-erm'), { id: 'fixture-erm', algorithm: 'erm', seed: 11 });
  await makeFixtureBundle(path.join(root, 'fixture-corrupt'), { id: 'fixture-corrupt', seed: 3 });
  await makeFixtureBundle(path.join(root, 'fixture-truncated'), { id: 'fixture-truncated', seed: 4 });
  // Every file and digest valid, but model.onnx holds a NaN weight: only running the graph can tell.
  await makeFixtureBundle(path.join(root, 'fixture-nan'), { id: 'fixture-nan', seed: 5, weights: 'nan' });
  // A user's own table (named features, classes "approved" / "denied", a declared shortcut) that publishes its samples.
  await makeFixtureBundle(path.join(root, 'fixture-features'), { id: 'fixture-features', kind: 'features', seed: 13 });

  // Broken bundles for the integrity tests: one flipped byte, a missing listed file, a manifest off the schema.
  const model = path.join(root, 'fixture-corrupt', BUNDLE_FILES.model);
  const flipped = new Uint8Array(await readFile(model));
  flipped[flipped.length - 5] ^= 0x40;
  await writeFile(model, flipped);
  await rm(path.join(root, 'fixture-truncated', BUNDLE_FILES.memorization));
  await mkdir(path.join(root, 'fixture-badschema'));
  for (const [name, bytes] of Object.entries(mat.files)) await writeFile(path.join(root, 'fixture-badschema', name), bytes);
  const badManifest = { ...mat.manifest, model: { ...mat.manifest.model, id: 'fixture-badschema' }, formatVersion: 2, classNames: ['only-one'] };
  await writeFile(path.join(root, 'fixture-badschema', BUNDLE_FILES.manifest), JSON.stringify(badManifest));
  // Schema-valid, but its counterfactual probe holds 3 weights where the model's embedding needs 2 + 2E.
  await mkdir(path.join(root, 'fixture-badprobe'));
  for (const [name, bytes] of Object.entries(mat.files)) await writeFile(path.join(root, 'fixture-badprobe', name), bytes);
  const probe = { ...mat.manifest.scores.counterfactualProbe!, weights: Buffer.from(new Float32Array(3).buffer).toString('base64') };
  const badProbe = { ...mat.manifest, model: { ...mat.manifest.model, id: 'fixture-badprobe' }, scores: { ...mat.manifest.scores, counterfactualProbe: probe } };
  await writeFile(path.join(root, 'fixture-badprobe', BUNDLE_FILES.manifest), JSON.stringify(badProbe));

  const rng = new RandomState(99);
  const probes = [
    ...mat.test,
    ...mat.members.slice(0, 2),
    { input: Array.from({ length: mat.manifest.input.dim }, () => rng.random()), label: 0, group: 0 },
  ];
  const inputs = probes.map((p) => p.input);
  const labels = probes.map((p) => p.label);
  const { predictions, labelledMemorization, crossMistakes } = await expectedPredictions(mat, inputs, labels);
  const fixture: WorkerFixture = {
    objects: await objectsUnder(root),
    bundleDir: root,
    expected: {
      inputs,
      labels,
      groups: probes.map((p) => p.group),
      member: probes.map((_, i) => i >= mat.test.length && i < mat.test.length + 2),
      memberScores: mat.members.map((m) => m.score),
      predictions,
      labelledMemorization,
      crossMistakes,
    },
    dim: mat.manifest.input.dim,
  };
  project.provide('fixture', fixture);
  return () => rm(root, { recursive: true, force: true });
}
