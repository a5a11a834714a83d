import * as tf from '@tensorflow/tfjs';
import type { NativeBlas } from './native-blas.js';

/**
 * A hidden layer's bias add and ReLU as one wasm-backend kernel over the addon's `biasRelu`, with its gradient as one
 * `reluGrad` call and the bias gradient's column sum (sgemm, model/blas-matmul.ts): per hidden layer 3 kernels
 * instead of ~8 (Add, Relu; Step, Cast, Multiply, Sum, Reshape…), fewer passes over the activations. The same float32
 * operations as tf.relu(tf.add(z, b)) and its tfjs gradient, so results are identical.
 */
export const BIAS_RELU = 'MatEdgeBiasRelu';
const RELU_GRAD = 'MatEdgeReluGrad';

interface WasmBackend { wasm: { HEAPU8: Uint8Array }; dataIdMap: { get(id: unknown): { memoryOffset: number } }; makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo }

/** Float32 views of `tensors` on the wasm heap, made after every allocation (growing memory replaces the buffer). */
function views(be: WasmBackend, ...tensors: tf.TensorInfo[]): Float32Array[] {
  const heap = be.wasm.HEAPU8.buffer;
  return tensors.map((t) => new Float32Array(heap, be.dataIdMap.get(t.dataId).memoryOffset, tf.util.sizeFromShape(t.shape)));
}

/**
 * A wasm-backend kernel of two float32 inputs whose output has the first one's shape, computed by `run` over the
 * three heap views (first input, second input, output).
 */
function registerBinaryKernel(kernelName: string, names: readonly [string, string], run: (a: Float32Array, b: Float32Array, out: Float32Array) => void): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const [a, b] = names.map((n) => (inputs as Record<string, tf.TensorInfo>)[n]);
      const be = backend as unknown as WasmBackend;
      const out = be.makeOutput(a.shape, 'float32');
      const [av, bv, ov] = views(be, a, b, out);
      run(av, bv, ov);
      return out;
    },
  });
}

let installed = false;

export function installBiasRelu(blas: NativeBlas): void {
  if (installed) return;
  registerBinaryKernel(BIAS_RELU, ['z', 'b'], (z, b, y) => blas.biasRelu(z, b, y, true));
  registerBinaryKernel(RELU_GRAD, ['dy', 'y'], (dy, y, dz) => blas.reluGrad(dy, y, dz));
  tf.registerGradient({
    kernelName: BIAS_RELU,
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const dz = tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, y: saved[0] }) as tf.Tensor2D;
      return { z: () => dz, b: () => tf.sum(dz, 0) };
    },
  });
  installed = true;
}

/** relu(z + b) for z [rows × cols], b [cols] (float32). */
export function biasRelu(z: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (z.dtype !== 'float32' || b.dtype !== 'float32' || b.shape[0] !== z.shape[1] || z.shape[1] === 0)
    throw new Error(`bias+ReLU: z is ${z.dtype} ${z.shape}, b ${b.dtype} ${b.shape}; expected float32 [n, k] and [k], k > 0`);
  return tf.engine().runKernel(BIAS_RELU, { z, b }) as tf.Tensor2D;
}
