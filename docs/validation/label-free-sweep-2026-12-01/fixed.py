# Usage: python3 fixed.py — named configurations across the four results files (evaluation subsets; seed 0 also selection).
import json
F=['colored-mnist-0','colored-mnist-1','colored-mnist-2','synthetic-0']
D={f:json.load(open(f'results-{f}.json')) for f in F}
rows=[('served: Σ p·same-label nb, k=10 T=0.02, 1024','served_neighbours'),
 ('tempered p (val τ), k=10 T=0.02, 1024','nb|w=pT|k=10|T=0.02|X=1024'),
 ('twin posterior ·C, k=10 T=0.02, 1024','nb|w=twin|k=10|T=0.02|X=1024'),
 ('½(tempered p + twin), 1024','nb|w=pT_twin|k=10|T=0.02|X=1024'),
 ('2-D val calibration (p × twin), 1024','nb|w=cal2|k=10|T=0.02|X=1024'),
 ('neighbour label shares, k=10, 1024','nb|w=freq|k=10|T=0.02|X=1024'),
 ('inclusion-weighted, p, 1024','nbIPW|w=p|k=10|T=0.02|X=1024'),
 ('sharper p (t=0.5), k=20, 1024','nb|w=pSharp|k=20|T=0.02|X=1024'),
 ('½(1−p_c)+½nb_c in expectation over p, 1024','full|w=p|k=10|T=0.02|X=1024'),
 ('Σ p_c(1−p_c), 1024','hold|w=p|X=1024'),
 ('served, 2048','nb|w=p|k=10|T=0.02|X=2048'),
 ('served, 4096','nb|w=p|k=10|T=0.02|X=4096'),
 ('any label k=10, 4096','any|k=10|T=0.02|X=4096'),
 ('any label k=20, all of the half','any|k=20|T=0.02|X=8192'),
 ('REFERENCE oracle P(y|digit,colour)·nb, k=40, 1024','nb|w=oracle|k=40|T=0.02|X=1024'),
 ('REFERENCE oracle P(y|digit,colour)·nb, k=20, all','nb|w=oracle|k=20|T=0.02|X=8192'),
 ('REFERENCE digit label × colour cell means','ceiling_cells')]
print(f"{'candidate':52s} {'s0 sel E/M':12s} {'s0 eval E/M':12s} {'s1 E/M':12s} {'s2 E/M':12s} {'synthetic E/M':12s}")
for name,k in rows:
  cells=[]
  for f in F:
    d=D[f]
    if k not in d['erm']: cells.append(('','')); continue
    if f==F[0]: cells.append((f"{d['erm'][k].get('selection',float('nan')):.3f}/{d['mat'][k].get('selection',float('nan')):.3f}",))
    cells.append((f"{d['erm'][k]['evaluation']:.3f}/{d['mat'][k]['evaluation']:.3f}",))
  print(f"{name:52s} "+" ".join(f"{c[0]:12s}" for c in cells))
