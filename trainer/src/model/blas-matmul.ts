import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './native-blas.js';

/**
 * tfjs' BatchMatMul kernel replaced by OpenBLAS sgemm, for the wasm or the cpu backend: every other op (and every
 * gradient) stays tfjs', so the algorithms are unchanged. The transpose flags of tfjs' own MatMul gradient become
 * sgemm flags (free), and operands are read in place — Float32Array views of the wasm heap, or the cpu backend's
 * arrays — so nothing is copied.
 */
export type HostBackend = 'wasm' | 'cpu';

type Info = tf.TensorInfo;
interface WasmBackend { wasm: { HEAPU8: Uint8Array }; dataIdMap: { get(id: unknown): { memoryOffset: number } }; makeOutput(shape: number[], dtype: 'float32'): Info }
interface CpuBackend { data: { get(id: unknown): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): Info }

const originals = new Map<HostBackend, tf.KernelConfig>();

function product(dims: number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

function kernel(blas: NativeBlas, host: HostBackend, original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length, rb = b.shape.length;
    const batchA = product(a.shape.slice(0, -2)), batchB = product(b.shape.slice(0, -2));
    // Only what tf.matMul produces with equal or broadcast-from-one batch dims; anything else goes to tfjs' kernel.
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2 || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
      return original.kernelFunc(args);
    }
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
    const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
    const outShape = [...outer, m, n];
    const batch = Math.max(batchA, batchB);
    let out: Info, av: Float32Array, bv: Float32Array, cv: Float32Array;
    if (host === 'wasm') {
      const be = args.backend as unknown as WasmBackend;
      out = be.makeOutput(outShape, 'float32');
      // Read the heap after the allocation: growing wasm memory replaces its ArrayBuffer.
      const heap = be.wasm.HEAPU8.buffer;
      const view = (t: Info, size: number) => new Float32Array(heap, be.dataIdMap.get(t.dataId).memoryOffset, size);
      av = view(a, batchA * m * k);
      bv = view(b, batchB * k * n);
      cv = view(out, batch * m * n);
    } else {
      const be = args.backend as unknown as CpuBackend;
      av = be.data.get(a.dataId).values;
      bv = be.data.get(b.dataId).values;
      cv = new Float32Array(batch * m * n);
      out = be.makeTensorInfo(outShape, 'float32', cv);
    }
    const lda = transposeA ? m : k, ldb = transposeB ? k : n;
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? 0 : i, bi = batchB === 1 ? 0 : i;
      blas.sgemm(transposeA, transposeB, m, n, k, 1,
        av.subarray(ai * m * k, (ai + 1) * m * k), lda, bv.subarray(bi * k * n, (bi + 1) * k * n), ldb,
        0, cv.subarray(i * m * n, (i + 1) * m * n), n);
    }
    return out;
  };
}

/** Routes `host`'s BatchMatMul to sgemm (idempotent). */
export function installBlasMatMul(blas: NativeBlas, host: HostBackend): void {
  if (originals.has(host)) return;
  const original = tf.getKernel('BatchMatMul', host);
  if (!original) throw new Error(`the tfjs ${host} backend has no BatchMatMul kernel to replace`);
  tf.unregisterKernel('BatchMatMul', host);
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: host, kernelFunc: kernel(blas, host, original) });
  originals.set(host, original);
}

/** Restores tfjs' own BatchMatMul on `host` (the plain wasm/cpu path again, e.g. to compare both in one process). */
export function uninstallBlasMatMul(host: HostBackend): void {
  const original = originals.get(host);
  if (!original) return;
  tf.unregisterKernel('BatchMatMul', host);
  tf.registerKernel(original);
  originals.delete(host);
}

export function blasMatMulInstalled(host: HostBackend): boolean {
  return originals.has(host);
}
