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

/** tfjs' own kernels replaced, keyed `${kernelName}/${backend}`. */
const originals = new Map<string, tf.KernelConfig>();

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
    if (m === 0 || n === 0 || k === 0) return original.kernelFunc(args); // empty operands: nothing for sgemm to do
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

/**
 * Column sums of a float32 matrix (a reduction over axis 0: the bias gradient of every dense layer, which tfjs wasm
 * computes by transposing first) as one sgemm with a row of ones: 1ᵀ·X. Everything else goes to tfjs' Sum.
 */
function columnSum(blas: NativeBlas, original: tf.KernelConfig): tf.KernelFunc {
  let ones = new Float32Array(0);
  return (args) => {
    const { x } = args.inputs as { x: Info };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape);
    if (x.dtype !== 'float32' || x.shape.length !== 2 || axes.length !== 1 || axes[0] !== 0) return original.kernelFunc(args);
    const [m, n] = x.shape;
    if (m === 0 || n === 0) return original.kernelFunc(args);
    if (ones.length < m) ones = new Float32Array(m).fill(1);
    const be = args.backend as unknown as WasmBackend;
    const out = be.makeOutput(keepDims ? [1, n] : [n], 'float32');
    const heap = be.wasm.HEAPU8.buffer;
    const view = (t: Info, size: number) => new Float32Array(heap, be.dataIdMap.get(t.dataId).memoryOffset, size);
    blas.sgemm(false, false, 1, n, m, 1, ones, m, view(x, m * n), n, 0, view(out, n), n);
    return out;
  };
}

/**
 * Identity as the cpu backend has it: the same data under one more reference, not a copy. tfjs' engine clones every
 * tensor it saves for the backward pass (the inputs of each MatMul, Relu, …), and wasm's Identity copies them: ~21
 * copies per MLP step, up to 390×392 floats each. Sharing is safe because no tfjs kernel writes its inputs in place
 * (a variable's assign rebinds its data; the fused Adam writes fresh outputs).
 */
function sharedIdentity(original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    if (x.dtype === 'string') return original.kernelFunc(args);
    (args.backend as unknown as { incRef(dataId: unknown): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

function replaceKernel(name: string, host: HostBackend, make: (original: tf.KernelConfig) => tf.KernelFunc): void {
  const key = `${name}/${host}`;
  if (originals.has(key)) return;
  const original = tf.getKernel(name, host);
  if (!original) throw new Error(`the tfjs ${host} backend has no ${name} kernel to replace`);
  tf.unregisterKernel(name, host);
  tf.registerKernel({ kernelName: name, backendName: host, kernelFunc: make(original) });
  originals.set(key, original);
}

/** Routes `host`'s BatchMatMul (and, on wasm, axis-0 Sum) to sgemm, and makes wasm's Identity share (idempotent). */
export function installBlasMatMul(blas: NativeBlas, host: HostBackend): void {
  replaceKernel('BatchMatMul', host, (original) => kernel(blas, host, original));
  if (host === 'wasm') {
    replaceKernel('Sum', host, (original) => columnSum(blas, original));
    replaceKernel('Identity', host, sharedIdentity);
  }
}

/** Restores tfjs' own kernels on `host` (the plain wasm/cpu path again, e.g. to compare both in one process). */
export function uninstallBlasMatMul(host: HostBackend): void {
  for (const [key, original] of [...originals]) {
    if (!key.endsWith(`/${host}`)) continue;
    tf.unregisterKernel(original.kernelName, host);
    tf.registerKernel(original);
    originals.delete(key);
  }
}
