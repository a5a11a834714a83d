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

let installed = false;

export function installBiasRelu(blas: NativeBlas): void {
  if (installed) return;
  tf.registerKernel({
    kernelName: BIAS_RELU,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { z, b } = inputs as Record<'z' | 'b', tf.TensorInfo>;
      const be = backend as unknown as WasmBackend;
      const y = be.makeOutput(z.shape, 'float32');
      const [zv, bv, yv] = views(be, z, b, y);
      blas.biasRelu(zv, bv, yv, true);
      return y;
    },
  });
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, y } = inputs as Record<'dy' | 'y', tf.TensorInfo>;
      const be = backend as unknown as WasmBackend;
      const dz = be.makeOutput(dy.shape, 'float32');
      const [dyv, yv, dzv] = views(be, dy, y, dz);
      blas.reluGrad(dyv, yv, dzv);
      return dz;
    },
  });
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
