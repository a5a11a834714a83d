import type { Preprocessing } from './manifest.js';

/** Raw request vector → model input, as the manifest's preprocessing says (trainer and worker both call this). */
export function preprocess(raw: ArrayLike<number>, p: Preprocessing, out = new Float32Array(raw.length)): Float32Array {
  if (p.type === 'none') {
    out.set(raw as ArrayLike<number>);
    return out;
  }
  for (let j = 0; j < raw.length; j++) out[j] = (raw[j] - p.mean[j]) / p.std[j];
  return out;
}
