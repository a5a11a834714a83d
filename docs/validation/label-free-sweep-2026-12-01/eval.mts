// Candidate label-free memorization estimates over a cached seed (cache.mts), replicating crossFitted.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { exemplarsByLabel, labelFreeMemorization, softmax, vecMat, type ExemplarTable } from '../../../shared/src/index.ts';
import { halfExemplars, leaveOnePairOut, type HalfModel } from '../../../trainer/src/validation/memorization.ts';
import { labelProbabilities } from '../../../trainer/src/memorization/feldman.ts';
import { RandomState } from '../../../trainer/src/random.ts';
import { spearman } from '../../../trainer/src/validation/stats.ts';
import { cellMeanEstimate, fitLabelTemperature } from '../../../trainer/src/validation/memorization.ts';

const dir = process.argv[2];
const counts = (process.argv[3] ?? '1024,2048,4096').split(',').map(Number);
const meta = JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8'));
const { n, nVal, K, E, seed, calibration } = meta;
const rd = (f: string, T: any) => { const b = readFileSync(`${dir}/${f}`); return new T(b.buffer, b.byteOffset, b.byteLength / T.BYTES_PER_ELEMENT); };
const y: Int32Array = rd('train_y.i32', Int32Array), yv: Int32Array = rd('val_y.i32', Int32Array);
const heldOut: Float32Array = rd('xrm_heldout.f32', Float32Array);
const priors: number[] = calibration.classPriors;
const hasCells = existsSync(`${dir}/clean.i32`);
const cleanA: Int32Array | null = hasCells ? rd('clean.i32', Int32Array) : null, colourA: Int32Array | null = hasCells ? rd('colour.i32', Int32Array) : null;

const KMAX = 40;
const KS = [10, 20, 40], TS = [0.01, 0.02, 0.05];
const out: Record<string, unknown> = {};
for (const alg of ['erm', 'mat']) {
  const models: (HalfModel & { tau: number; cal2: (p1: number, q1: number) => number })[] = Array.from({ length: 12 }, (_, j) => {
    const logits: Float32Array = rd(`${alg}_${j}_logits.f32`, Float32Array);
    const val: Float32Array = rd(`${alg}_${j}_val.f32`, Float32Array);
    // 2-D calibration of the label posterior on validation labels (K = 2): bins of the model's p(1|x) × the twins' q(1|x).
    const tA: Float32Array = rd('twinA_val.f32', Float32Array), tB: Float32Array = rd('twinB_val.f32', Float32Array);
    const pv = Float64Array.from({ length: nVal }, (_, i) => softmax(val.subarray(i * K, (i + 1) * K))[1]);
    const qv = Float64Array.from({ length: nVal }, (_, i) => {
      const a = softmax(tA.subarray(i * K, (i + 1) * K), calibration.tau), b = softmax(tB.subarray(i * K, (i + 1) * K), calibration.tau);
      return vecMat(a.map((v, k) => 0.5 * (v + b[k])), calibration.matrix)[1];
    });
    const edges = (v: Float64Array, B: number) => { const s2 = Float64Array.from(v).sort(); return Array.from({ length: B - 1 }, (_, b) => s2[Math.floor(((b + 1) * v.length) / B)]); };
    const bin = (e: number[], v: number) => { let b = 0; while (b < e.length && v > e[b]) b++; return b; };
    const pe = edges(pv, 10), qe = edges(qv, 5);
    const pos = new Float64Array(50).fill(1), tot = new Float64Array(50).fill(2);
    for (let i = 0; i < nVal; i++) { const b = bin(pe, pv[i]) * 5 + bin(qe, qv[i]); tot[b]++; pos[b] += yv[i]; }
    const cal2 = (p1: number, q1: number) => { const b = bin(pe, p1) * 5 + bin(qe, q1); return pos[b] / tot[b]; };
    return { cal2, member: rd(`${alg}_${j}_member.u8`, Uint8Array), logits, labelProbs: labelProbabilities(logits, y, K), predicted: new Int32Array(0), embedding: rd(`${alg}_${j}_emb.f32`, Float32Array), E, tau: fitLabelTemperature(val, yv, K) };
  });
  console.log(alg, 'val temperatures', models.map((m) => m.tau.toFixed(2)).join(' '));
  const without = leaveOnePairOut(models);
  const order = new RandomState(seed + 31).permutation(n);
  const half = Math.min(2000, Math.floor(n / 2));
  const subsets = { selection: order.subarray(0, half), evaluation: order.subarray(half, 2 * half) };
  const res: Record<string, Record<string, number>> = {};
  const cellPost = new Map<number, number[]>();
  if (cleanA && colourA) {
    for (const i of subsets.selection) { const c = 2 * cleanA[i] + colourA[i]; const a = cellPost.get(c) ?? new Array(K).fill(0); a[y[i]]++; cellPost.set(c, a); }
    for (const [c, a] of cellPost) { const s2 = a.reduce((u, v) => u + v, 0); cellPost.set(c, a.map((v) => v / s2)); }
  }
  const measuredBy: Record<string, Float64Array> = {};
  for (const X of counts) for (const [sname, idx] of Object.entries(subsets)) {
    const P = 6, N = idx.length;
    const est: Record<string, Float64Array> = {};
    const cnt = new Float64Array(N);
    const measured = new Float64Array(N);
    const add = (name: string, r: number, v: number) => { (est[name] ??= new Float64Array(N))[r] += v; };
    for (let f = 0; f < P; f++) {
      const rng = new RandomState(seed + f + 104729);
      const ests = models.slice(2 * f, 2 * f + 2);
      const tables = ests.map((m) => {
        const all = halfExemplars(m, without[f], X, rng, y);
        // inverse inclusion probability: the top floor(count/2) scores were all kept, the rest sampled uniformly
        let nHalf = 0; for (let q = 0; q < n; q++) nHalf += m.member[q];
        const top = Math.floor(all.count / 2);
        const rank = Array.from({ length: all.count }, (_, q) => q).sort((a, b) => all.scores[b] - all.scores[a]);
        const ipw = new Float64Array(all.count).fill(all.count >= nHalf ? 1 : (nHalf - top) / (all.count - top));
        for (let q = 0; q < top; q++) ipw[rank[q]] = 1;
        return { all, byLabel: exemplarsByLabel(all, K), ipw };
      });
      for (let r = f; r < N; r += P) {
        const i = idx[r];
        measured[r] = without[f][i];
        ests.forEach((m, mi) => {
          if (m.member[i]) return;
          cnt[r]++;
          const t = tables[mi].all;
          const e = m.embedding.subarray(i * E, (i + 1) * E);
          let nn = 0; for (let j = 0; j < E; j++) nn += e[j] * e[j];
          const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
          const lg = m.logits.subarray(i * K, (i + 1) * K);
          const p = softmax(lg), pT = softmax(lg, m.tau);
          // sims to all exemplars
          const sims = new Float64Array(t.count);
          for (let q = 0; q < t.count; q++) { let s = 0; const off = q * E; for (let j = 0; j < E; j++) s += e[j] * t.embeddings[off + j]; sims[q] = s * inv; }
          const ipw = tables[mi].ipw;
          const byLab: { s: number; sc: number; pi: number }[][] = Array.from({ length: K }, () => []);
          const any: { s: number; sc: number; l: number; pi: number }[] = [];
          for (let q = 0; q < t.count; q++) { byLab[t.labels[q]].push({ s: sims[q], sc: t.scores[q], pi: ipw[q] }); any.push({ s: sims[q], sc: t.scores[q], l: t.labels[q], pi: ipw[q] }); }
          byLab.forEach((a) => { a.sort((u, v) => v.s - u.s); a.length = Math.min(a.length, KMAX); });
          any.sort((u, v) => v.s - u.s); any.length = Math.min(any.length, KMAX);
          // baseline through the shared function (checks this replication)
          if (X === 1024) add('served_neighbours', r, labelFreeMemorization({ k: 10, temperature: 0.02, estimator: 'expected_label' } as any, p, e, t, tables[mi].byLabel).score);
          const twin = vecMat(softmax(heldOut.subarray(i * K, (i + 1) * K), calibration.tau), calibration.matrix);
          const wmean = (a: { s: number; sc: number; pi: number }[], k: number, T: number, useIpw = false) => {
            const m2 = Math.min(k, a.length); if (!m2) return 0;
            let mx = -Infinity; for (let j = 0; j < m2; j++) mx = Math.max(mx, a[j].s / T);
            let sw = 0, s = 0; for (let j = 0; j < m2; j++) { const w = Math.exp(a[j].s / T - mx) * (useIpw ? a[j].pi : 1); sw += w; s += w * a[j].sc; } return s / sw;
          };
          const freq = (k: number, T: number) => {
            const m2 = Math.min(k, any.length); const w = new Array(K).fill(0);
            let mx = -Infinity; for (let j = 0; j < m2; j++) mx = Math.max(mx, any[j].s / T);
            let sw = 0; for (let j = 0; j < m2; j++) { const v = Math.exp(any[j].s / T - mx); sw += v; w[any[j].l] += v; } return w.map((v) => v / sw);
          };
          for (const k of KS) for (const T of TS) {
            const NN = byLab.map((a) => wmean(a, k, T));
            const NNi = byLab.map((a) => wmean(a, k, T, true));
            const am = p.indexOf(Math.max(...p));
            const weights: Record<string, number[]> = { p, pT, twin, freq: freq(k, T), pSharp: softmax(lg, 0.5), onehot: p.map((_, c) => (c === am ? 1 : 0)), pT_twin: pT.map((v, c) => 0.5 * (v + twin[c])) };
            for (const [wn, w] of Object.entries({ p, pSharp: weights.pSharp, onehot: weights.onehot, pT })) {
              let nb = 0; for (let c = 0; c < K; c++) nb += w[c] * NNi[c];
              add(`nbIPW|w=${wn}|k=${k}|T=${T}|X=${X}`, r, nb);
            }
            add(`anyIPW|k=${k}|T=${T}|X=${X}`, r, wmean(any, k, T, true));
            if (K === 2) { const c1 = m.cal2(p[1], twin[1]); weights.cal2 = [1 - c1, c1]; }
            if (cleanA && colourA) weights.oracle = cellPost.get(2 * cleanA[i] + colourA[i])!;
            for (const [wn, w] of Object.entries(weights)) {
              let nb = 0, full = 0; for (let c = 0; c < K; c++) { nb += w[c] * NN[c]; full += w[c] * (0.5 * (1 - p[c]) + 0.5 * NN[c]); }
              add(`nb|w=${wn}|k=${k}|T=${T}|X=${X}`, r, nb);
              if (wn !== 'uniform' && wn !== 'prior') add(`full|w=${wn}|k=${k}|T=${T}|X=${X}`, r, full);
            }
            add(`any|k=${k}|T=${T}|X=${X}`, r, wmean(any, k, T));
          }
          // label-free held-out parts
          for (const [wn, w] of Object.entries({ p, pT, twin })) { let h = 0; for (let c = 0; c < K; c++) h += w[c] * (1 - p[c]); add(`hold|w=${wn}|X=${X}`, r, h); }
        });
      }
    }
    for (const [name, v] of Object.entries(est)) { for (let r = 0; r < N; r++) v[r] = cnt[r] ? v[r] / cnt[r] : NaN; (res[name] ??= {})[sname] = spearman(v, measured); }
    measuredBy[sname] = measured;
  }
  if (existsSync(`${dir}/clean.i32`)) {
    const clean: Int32Array = rd('clean.i32', Int32Array), colour: Int32Array = rd('colour.i32', Int32Array);
    const cells = Int32Array.from(clean, (c, i) => 2 * c + colour[i]);
    res['ceiling_cells'] = { evaluation: spearman(cellMeanEstimate(cells, subsets.selection, measuredBy.selection, subsets.evaluation), measuredBy.evaluation) };
    // With the label: digit label × colour × label.
    const cellsY = Int32Array.from(cells, (c, i) => 2 * c + y[i]);
    res['ceiling_cells_with_label'] = { evaluation: spearman(cellMeanEstimate(cellsY, subsets.selection, measuredBy.selection, subsets.evaluation), measuredBy.evaluation) };
  }
  out[alg] = res;
  const top = Object.entries(res).filter(([, v]) => v.selection !== undefined).sort((a, b) => b[1].selection - a[1].selection).slice(0, 25);
  console.log(alg, 'served', res.served_neighbours, 'ceilings', res.ceiling_cells, res.ceiling_cells_with_label);
  for (const [k2, v] of top) console.log(alg, k2, v.selection.toFixed(3), v.evaluation.toFixed(3));
}
writeFileSync(`${dir}/results.json`, JSON.stringify(out, null, 1));
