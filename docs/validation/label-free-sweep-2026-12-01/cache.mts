// Trains the protocol's models and half models for one seed and dumps what the candidates need.
import { mkdirSync, writeFileSync } from 'node:fs';
import { initBackend } from '../../../trainer/src/backend.ts';
import { loadDataset } from '../../../trainer/src/data/index.ts';
import { withRunner } from '../../../trainer/src/pool/runner.ts';
import { trainModels, VALIDATED } from '../../../trainer/src/validation/models.ts';
import { labelProbabilities, randomHalves } from '../../../trainer/src/memorization/feldman.ts';
import { RandomState } from '../../../trainer/src/random.ts';
import { Mlp } from '../../../trainer/src/model/mlp.ts';
import { forwardSplit } from '../../../trainer/src/train/forward.ts';
import { bundleNetworks } from '../../../trainer/src/pipeline/bundle-networks.ts';

const seed = Number(process.argv[2] ?? 0);
const kind = process.argv[3] ?? 'colored-mnist';
const out = `/tmp/memx/cache-${kind}-${seed}`;
mkdirSync(out, { recursive: true });
const backend = await initBackend('auto');
console.log('backend', backend);
const data = kind === 'colored-mnist'
  ? await loadDataset({ kind: 'colored-mnist', seed, limit: { train: 10000 } })
  : await loadDataset({ kind: 'synthetic', noiseStd: 0.5 });
const progress = { task: () => ({ tick() {}, done() {} }), log: (m: string) => console.log(m) };
const w = (name: string, a: ArrayBufferView) => writeFileSync(`${out}/${name}`, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
const t0 = performance.now();
await withRunner({ data, progress, workers: 1, backend }, async (runner) => {
  const t = await trainModels(data, { seed, sweep: 1, progress, runner });
  w('train_y.i32', data.train.y); w('val_y.i32', data.val.y);
  const meta: Record<string, unknown> = { n: data.train.n, nVal: data.val.n, K: data.numClasses, calibration: t.calibration, seed, kind };
  if (data.train.meta.clean) w('clean.i32', Int32Array.from(data.train.meta.clean));
  if (data.train.meta.colour) w('colour.i32', Int32Array.from(data.train.meta.colour));
  if (data.train.meta.majority) w('majority.i32', Int32Array.from(data.train.meta.majority));
  w('xrm_heldout.f32', t.xrm.heldOutLogits);
  // Twins on train and val (what the worker has for a new input: both twins' logits).
  const twins = [new Mlp(t.xrm.twinA.arch, t.xrm.twinA), new Mlp(t.xrm.twinB.arch, t.xrm.twinB)];
  const tt = forwardSplit(twins, data.train), tv = forwardSplit(twins, data.val);
  w('twinA_train.f32', tt.logits[0]); w('twinB_train.f32', tt.logits[1]); w('twinA_val.f32', tv.logits[0]); w('twinB_val.f32', tv.logits[1]);
  twins.forEach((n) => n.dispose());
  // Same recipe as validation/memorization.ts trainHalfModels, also keeping validation logits.
  const halves = await Promise.all(VALIDATED.map(async (a) => {
    const hparams = t.models[a].hparams, xrm = a === 'mat' ? t.xrm : null;
    const membership = randomHalves(data.train.n, 6, new RandomState(seed + 15485863));
    const batch = hparams.batch_size ?? data.train.n;
    const steps = t.profile.fullBatch ? t.profile.steps : Math.max(1, Math.ceil((36 * data.train.n) / 2 / batch));
    return Promise.all(membership.map(async (member, m) => {
      const trainIdx = Int32Array.from(Array.from(member).flatMap((v, i) => (v ? [i] : [])));
      const run = await runner.run({ profile: t.profile, algorithm: a, hparams, seed: seed + 5000 + m, xrm, trainIdx, evaluate: false, steps }, `${a} half ${m}`);
      const net = new Mlp(run.final.arch, run.final);
      const f = forwardSplit([net], data.train, true), fv = forwardSplit([net], data.val);
      net.dispose();
      return { member, logits: f.logits[0], embedding: f.embedding[0], E: run.final.arch.embeddingDim, valLogits: fv.logits[0] };
    }));
  }));
  meta.E = halves[0][0].E;
  meta.hparams = { erm: t.models.erm.hparams, mat: t.models.mat.hparams };
  VALIDATED.forEach((a, ai) => halves[ai].forEach((m, j) => {
    w(`${a}_${j}_member.u8`, m.member); w(`${a}_${j}_logits.f32`, m.logits); w(`${a}_${j}_emb.f32`, m.embedding); w(`${a}_${j}_val.f32`, m.valLogits);
  }));
  writeFileSync(`${out}/meta.json`, JSON.stringify(meta, null, 1));
});
console.log('done', ((performance.now() - t0) / 1000).toFixed(0), 's');
