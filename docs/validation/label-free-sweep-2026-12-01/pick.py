import json,sys
# Usage: python3 pick.py SELECTION_RESULTS.json [OTHER_RESULTS.json ...] (results.json of eval.mts).
# choose per X on seed-0 selection by min(ERM, MAT); report evaluation of that choice on the given files
sel=json.load(open(sys.argv[1]))
others=[(f,json.load(open(f))) for f in sys.argv[2:]]
names=[k for k in sel['erm'] if 'selection' in sel['erm'][k]]
fams={}
for k in names:
  X=k.split('X=')[-1] if 'X=' in k else '-'
  fam=k.split('|k=')[0].split('|X=')[0]
  key=(fam,X)
  score=min(sel['erm'][k]['selection'],sel['mat'][k]['selection'])
  if key not in fams or score>fams[key][1]: fams[key]=(k,score)
rows=sorted(fams.values(),key=lambda r:-r[1])
for k,s in rows:
  line=f"{k:42s} sel0 E{sel['erm'][k]['selection']:.3f} M{sel['mat'][k]['selection']:.3f} | ev0 E{sel['erm'][k]['evaluation']:.3f} M{sel['mat'][k]['evaluation']:.3f}"
  for f,d in others:
    if k in d['erm']: line+=f" | {f.split('/')[-1].replace('results-','').replace('.json','')} E{d['erm'][k]['evaluation']:.3f} M{d['mat'][k]['evaluation']:.3f}"
  print(line)
for c in ['ceiling_cells','ceiling_cells_with_label']:
  print(c, 'ev0', round(sel['erm'][c]['evaluation'],3), round(sel['mat'][c]['evaluation'],3), *[ (f.split('/')[-1].replace('results-','').replace('.json',''), round(d['erm'][c]['evaluation'],3), round(d['mat'][c]['evaluation'],3)) for f,d in others if c in d['erm']])
