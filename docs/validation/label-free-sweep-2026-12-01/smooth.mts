// Exemplars whose stored score is smoothed at build time: the softmax(sim/Ts)-weighted mean measured score of the ks
// nearest training examples of the exemplar's half (any label), so that 1024 exemplars carry their neighbourhoods.
import { readFileSync, writeFileSync } from 'node:fs';
import { exemplarsByLabel, softmax } from '../../../shared/src/index.ts';
import { halfExemplars, leaveOnePairOut, type HalfModel } from '../../../trainer/src/validation/memorization.ts';
import { labelProbabilities } from '../../../trainer/src/memorization/feldman.ts';
import { RandomState } from '../../../trainer/src/random.ts';
import { spearman } from '../../../trainer/src/validation/stats.ts';

const dir = process.argv[2];
const counts = (process.argv[3] ?? '1024').split(',').map(Number);
const meta = JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8'));
const { n, K, E, seed } = meta;
const rd = (f: string, T: any) => { const b = readFileSync(`${dir}/${f}`); return new T(b.buffer, b.byteOffset, b.byteLength / T.BYTES_PER_ELEMENT); };
const y: Int32Array = rd('train_y.i32', Int32Array);
const KS = [10, 20, 40], TS = [0.02, 0.05], SK = [10, 20, 50];
const out: Record<string, unknown> = {};
function unitRows(emb: Float32Array, rows: ArrayLike<number>): Float32Array {
  const u = new Float32Array(rows.length * E);
  for (let r = 0; r < rows.length; r++) { const o = rows[r] * E; let s = 0; for (let j = 0; j < E; j++) s += emb[o + j] ** 2; const inv = s > 0 ? 1 / Math.sqrt(s) : 0; for (let j = 0; j < E; j++) u[r * E + j] = emb[o + j] * inv; }
  return u;
}
function topk(sims: Float64Array, k: number): number[] {
  // indices of the k largest
  const idx: number[] = [];
  for (let q = 0; q < sims.length; q++) {
    if (idx.length < k || sims[q] > sims[idx[idx.length - 1]]) {
      let p = idx.length < k ? idx.length : k - 1; if (idx.length < k) idx.push(q);
      for (; p > 0 && sims[idx[p - 1]] < sims[q]; p--) idx[p] = idx[p - 1];
      idx[p] = q;
    }
  }
  return idx;
}
const kmean = (sims: Float64Array, rows: number[], sc: ArrayLike<number>, T: number) => {
  if (!rows.length) return 0; let mx = -Infinity; for (const q of rows) mx = Math.max(mx, sims[q] / T);
  let sw = 0, v = 0; for (const q of rows) { const w = Math.exp(sims[q] / T - mx); sw += w; v += w * sc[q]; } return v / sw;
};
for (const alg of ['erm', 'mat']) {
  const models: HalfModel[] = Array.from({ length: 12 }, (_, j) => {
    const logits: Float32Array = rd(`${alg}_${j}_logits.f32`, Float32Array);
    return { member: rd(`${alg}_${j}_member.u8`, Uint8Array), logits, labelProbs: labelProbabilities(logits, y, K), predicted: new Int32Array(0), embedding: rd(`${alg}_${j}_emb.f32`, Float32Array), E, labelTemperature: 1 };
  });
  const without = leaveOnePairOut(models);
  const order = new RandomState(seed + 31).permutation(n);
  const half = Math.min(2000, Math.floor(n / 2));
  const subsets = { selection: order.subarray(0, half), evaluation: order.subarray(half, 2 * half) };
  const res: Record<string, Record<string, number>> = {};
  for (const X of counts) {
    // tables (and their smoothed scores) per fold, shared by both subsets
    const folds = Array.from({ length: 6 }, (_, f) => {
      const rng = new RandomState(seed + f + 104729);
      return models.slice(2 * f, 2 * f + 2).map((m) => {
        const all = halfExemplars(m, without[f], X, rng, y);
        const members = Array.from(m.member).flatMap((v, i) => (v ? [i] : []));
        const U = unitRows(m.embedding, members), Ue = unitRows(m.embedding, all.ids);
        const memScores = Float64Array.from(members, (i) => Math.min(1, Math.max(0, without[f][i])));
        const smoothed: Record<number, Float64Array> = {};
        for (const sk of SK) smoothed[sk] = new Float64Array(all.count);
        const sims = new Float64Array(members.length);
        for (let q = 0; q < all.count; q++) {
          for (let r = 0; r < members.length; r++) { let s = 0; for (let j = 0; j < E; j++) s += Ue[q * E + j] * U[r * E + j]; sims[r] = s; }
          const top = topk(sims, Math.max(...SK));
          for (const sk of SK) smoothed[sk][q] = kmean(sims, top.slice(0, sk), memScores, 0.02);
        }
        return { m, all, smoothed };
      });
    });
    for (const [sname, idx] of Object.entries(subsets)) {
      const N = idx.length, est: Record<string, Float64Array> = {}, cnt = new Float64Array(N), measured = new Float64Array(N);
      const add = (name: string, r: number, v: number) => { (est[name] ??= new Float64Array(N))[r] += v; };
      for (let f = 0; f < 6; f++) for (let r = f; r < N; r += 6) {
        const i = idx[r]; measured[r] = without[f][i];
        for (const { m, all, smoothed } of folds[f]) {
          if (m.member[i]) continue; cnt[r]++;
          const u = unitRows(m.embedding, [i]);
          const sims = new Float64Array(all.count);
          for (let q = 0; q < all.count; q++) { let s = 0; for (let j = 0; j < E; j++) s += u[j] * all.embeddings[q * E + j]; sims[q] = s; }
          const p = softmax(m.logits.subarray(i * K, (i + 1) * K));
          const anyTop = topk(sims, 40);
          const byLab = Array.from({ length: K }, (_, c) => { const rows = Array.from({ length: all.count }, (_, q) => q).filter((q) => all.labels[q] === c); const s2 = Float64Array.from(rows, (q) => sims[q]); return topk(s2, 40).map((j) => rows[j]); });
          for (const k of KS) for (const T of TS) {
            for (const [sn, sc] of [['raw', all.scores], ...SK.map((sk) => [`s${sk}`, smoothed[sk]])] as [string, ArrayLike<number>][]) {
              add(`any|${sn}|k=${k}|T=${T}|X=${X}`, r, kmean(sims, anyTop.slice(0, k), sc, T));
              let nb = 0; for (let c = 0; c < K; c++) nb += p[c] * kmean(sims, byLab[c].slice(0, k), sc, T);
              add(`nb|${sn}|k=${k}|T=${T}|X=${X}`, r, nb);
            }
          }
        }
      }
      for (const [name, v] of Object.entries(est)) { for (let r = 0; r < N; r++) v[r] /= cnt[r]; (res[name] ??= {})[sname] = spearman(v, measured); }
    }
  }
  out[alg] = res;
  const top = Object.entries(res).sort((a, b) => b[1].selection - a[1].selection).slice(0, 12);
  for (const [k2, v] of top) console.log(alg, k2, v.selection.toFixed(3), v.evaluation.toFixed(3));
}
writeFileSync(`${dir}/smooth.json`, JSON.stringify(out, null, 1));
