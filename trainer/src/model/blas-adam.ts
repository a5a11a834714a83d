import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './native-blas.js';

/**
 * A fused Adam step as one wasm-backend kernel over the addon's `adam`: per variable one native call instead of
 * ~14 tfjs kernels (on the BLAS path the matrix products are no longer the bottleneck of a small MLP step; the
 * per-kernel overhead is). New output tensors, never in place: a variable's memory may be shared with a clone.
 */
export const FUSED_ADAM = 'MatEdgeFusedAdam';

export interface AdamScalars { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; c1: number; c2: number }

interface WasmBackend { wasm: { HEAPU8: Uint8Array }; dataIdMap: { get(id: unknown): { memoryOffset: number } }; makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo }

let installed = false;

export function installFusedAdam(blas: NativeBlas): void {
  if (installed) return;
  tf.registerKernel({
    kernelName: FUSED_ADAM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { w, g, m, s } = inputs as Record<'w' | 'g' | 'm' | 's', tf.TensorInfo>;
      const a = attrs as unknown as AdamScalars;
      const be = backend as unknown as WasmBackend;
      const outs = [be.makeOutput(w.shape, 'float32'), be.makeOutput(w.shape, 'float32'), be.makeOutput(w.shape, 'float32')];
      const n = tf.util.sizeFromShape(w.shape);
      // Views after the allocations: growing wasm memory replaces its ArrayBuffer.
      const heap = be.wasm.HEAPU8.buffer;
      const view = (t: tf.TensorInfo) => new Float32Array(heap, be.dataIdMap.get(t.dataId).memoryOffset, n);
      blas.adam(view(w), view(g), view(m), view(s), view(outs[0]), view(outs[1]), view(outs[2]), a.lr, a.beta1, a.beta2, a.eps, a.weightDecay, a.c1, a.c2);
      return outs;
    },
  });
  installed = true;
}

/** [w', m', s'] for one variable; the caller assigns them (inside a tidy). */
export function fusedAdam(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, s: tf.Tensor, a: AdamScalars): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (g.dtype !== 'float32' || w.size !== g.size) throw new Error(`fused Adam: gradient is ${g.dtype} ${g.shape}, expected float32 ${w.shape}`);
  return tf.engine().runKernel(FUSED_ADAM, { w, g, m, s }, a as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
