# Ridge head on the out-model's unit embedding (+ p), fitted on every member of the model's half (measured scores of
# the other pairs): 391 numbers a bundle could carry instead of, or beside, the exemplar table.
import json, sys, numpy as np
d = sys.argv[1]
meta = json.load(open(f'{d}/meta.json')); n, K, E = meta['n'], meta['K'], meta['E']
rd = lambda f, t: np.fromfile(f'{d}/{f}', dtype=t)
y = rd('train_y.i32', np.int32); order = rd('order.i32', np.int32)
half = min(2000, n // 2); subsets = {'selection': order[:half], 'evaluation': order[half:2 * half]}
def ranks(v): r = np.empty(len(v)); r[np.argsort(v, kind='stable')] = np.arange(len(v)); return r
def spear(a, b): ok = np.isfinite(a) & np.isfinite(b); return np.corrcoef(ranks(a[ok]), ranks(b[ok]))[0, 1]
out = {}
for alg in ['erm', 'mat']:
    mem = [rd(f'{alg}_{j}_member.u8', np.uint8).astype(bool) for j in range(12)]
    lg = [rd(f'{alg}_{j}_logits.f32', np.float32).reshape(n, K) for j in range(12)]
    emb = [rd(f'{alg}_{j}_emb.f32', np.float32).reshape(n, E) for j in range(12)]
    P = [np.exp(l - l.max(1, keepdims=True)) for l in lg]; P = [p / p.sum(1, keepdims=True) for p in P]
    py = [p[np.arange(n), y] for p in P]
    def measured(excl):
        ms = [j for j in range(12) if j // 2 != excl]
        ins = np.array([py[j] * mem[j] for j in ms]).sum(0) / np.array([mem[j] for j in ms]).sum(0)
        outs = np.array([py[j] * ~mem[j] for j in ms]).sum(0) / np.array([~mem[j] for j in ms]).sum(0)
        return ins - outs
    without = [measured(f) for f in range(6)]
    res = {}
    for lam in [1e-3, 1e-2, 1e-1, 1.0, 10.0]:
        for feats in ['emb', 'emb+p']:
            est = {s: np.full(len(ix), np.nan) for s, ix in subsets.items()}
            meas = {s: np.full(len(ix), np.nan) for s, ix in subsets.items()}
            for f in range(6):
                for mi in (2 * f, 2 * f + 1):
                    u = emb[mi] / np.maximum(1e-12, np.linalg.norm(emb[mi], axis=1, keepdims=True))
                    X = np.hstack([u, np.ones((n, 1))] + ([P[mi][:, 1:]] if feats == 'emb+p' else []))
                    tr = mem[mi]
                    t = np.clip(without[f][tr], 0, 1)
                    A = X[tr].T @ X[tr]; A[np.diag_indices_from(A)] += lam * np.trace(A) / A.shape[0]
                    w = np.linalg.solve(A, X[tr].T @ t)
                    pred = X @ w
                    for s, ix in subsets.items():
                        pos = np.arange(len(ix)); sel = (pos % 6 == f) & ~mem[mi][ix]
                        est[s][sel] = pred[ix[sel]]; meas[s][sel] = without[f][ix[sel]]
            res[f'ridge|{feats}|lam={lam}'] = {s: spear(est[s], meas[s]) for s in subsets}
    out[alg] = res
    for k, v in sorted(res.items(), key=lambda kv: -kv[1]['selection'])[:4]: print(alg, k, round(v['selection'], 3), round(v['evaluation'], 3))
json.dump(out, open(f'{d}/ridge.json', 'w'), indent=1)
# Cross-check of this replication: the label-aware held-out 1 − p(y) through the same folds (protocol: held_out_1−p(y)).
for alg in ['erm', 'mat']:
    mem = [rd(f'{alg}_{j}_member.u8', np.uint8).astype(bool) for j in range(12)]
    lg = [rd(f'{alg}_{j}_logits.f32', np.float32).reshape(n, K) for j in range(12)]
    P = [np.exp(l - l.max(1, keepdims=True)) for l in lg]; P = [p / p.sum(1, keepdims=True) for p in P]
    py = [p[np.arange(n), y] for p in P]
    r = {}
    for s, ix in subsets.items():
        est = np.full(len(ix), np.nan); meas = np.full(len(ix), np.nan)
        for f in range(6):
            ms = [j for j in range(12) if j // 2 != f]
            w = np.array([py[j] * mem[j] for j in ms]).sum(0) / np.array([mem[j] for j in ms]).sum(0) - np.array([py[j] * ~mem[j] for j in ms]).sum(0) / np.array([~mem[j] for j in ms]).sum(0)
            for mi in (2 * f, 2 * f + 1):
                pos = np.arange(len(ix)); sel = (pos % 6 == f) & ~mem[mi][ix]
                est[sel] = 1 - py[mi][ix[sel]]; meas[sel] = w[ix[sel]]
        r[s] = round(spear(est, meas), 3)
    print(alg, 'check held_out_1-p(y)', r)
