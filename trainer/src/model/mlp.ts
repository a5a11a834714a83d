import type { Architecture } from '#shared';
import { activeBackend, tf } from '../backend.js';
import type { RandomState } from '../random.js';
import { biasRelu } from './blas-bias-relu.js';
import { dense } from './dense.js';
import type { MlpWeights } from './weights.js';

/**
 * Weight initialisation. `xavier`: Xavier-uniform weights, zero biases (the ColorMNIST MLP, docs/method.md §2.5);
 * `torch-default`: U(±1/√fan_in) weights and biases (PyTorch nn.Linear default, the paper's synthetic model);
 * `zeros`: everything zero (the zero-initialised linear heads of the XRM repo).
 */
export type InitScheme = 'xavier' | 'torch-default' | 'zeros';

export function architecture(inputDim: number, hidden: number[], numClasses: number, bias = true): Architecture {
  return { family: 'mlp', inputDim, hidden, numClasses, bias, activation: 'relu', embeddingDim: hidden.at(-1) ?? inputDim };
}

function initMatrix(rows: number, cols: number, scheme: InitScheme, rng: RandomState): Float32Array {
  const w = new Float32Array(rows * cols);
  if (scheme === 'zeros') return w;
  const limit = scheme === 'xavier' ? Math.sqrt(6 / (rows + cols)) : 1 / Math.sqrt(rows);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
  return w;
}

/** An MLP whose parameters are tfjs variables: ReLU between layers, none after the last. */
export class Mlp {
  readonly weights: tf.Variable<tf.Rank.R2>[] = [];
  readonly biases: (tf.Variable<tf.Rank.R1> | null)[] = [];

  /**
   * @param matMul the product used by every layer: the transpose-free custom gradient by default; tfjs' own
   *   `tf.matMul` only as the benchmark's baseline.
   */
  constructor(readonly arch: Architecture, init: InitScheme | MlpWeights, rng?: RandomState, private readonly matMul: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D = dense) {
    const dims = [arch.inputDim, ...arch.hidden, arch.numClasses];
    for (let l = 0; l + 1 < dims.length; l++) {
      const [inDim, outDim] = [dims[l], dims[l + 1]];
      let w: Float32Array, b: Float32Array | null;
      if (typeof init === 'string') {
        if (!rng) throw new Error('random initialisation needs a RandomState');
        w = initMatrix(inDim, outDim, init, rng);
        b = !arch.bias ? null : init === 'torch-default' ? initMatrix(inDim, outDim, init, rng).subarray(0, outDim) : new Float32Array(outDim);
      } else {
        const layer = init.layers[l];
        if (!layer || layer.inDim !== inDim || layer.outDim !== outDim) throw new Error(`layer ${l} of the given weights does not match ${inDim}→${outDim}`);
        w = layer.w;
        b = layer.b;
      }
      // tf.variable shares its initial tensor's data; the initial tensors themselves are not kept (they leaked).
      this.weights.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [inDim, outDim]))));
      this.biases.push(b ? tf.tidy(() => tf.variable(tf.tensor1d(b))) : null);
    }
  }

  get variables(): tf.Variable[] {
    return [...this.weights, ...this.biases.filter((b): b is tf.Variable<tf.Rank.R1> => b !== null)];
  }

  /** Logits and the penultimate activation (the input itself for a linear model). */
  forward(x: tf.Tensor2D): { logits: tf.Tensor2D; embedding: tf.Tensor2D } {
    let h = x;
    let embedding = x;
    const last = this.weights.length - 1;
    // The BLAS path fuses a hidden layer's bias add and ReLU (forward and gradient) into native kernels.
    const fused = activeBackend()?.startsWith('blas') ?? false;
    for (let l = 0; l <= last; l++) {
      let z = this.matMul(h, this.weights[l]);
      const b = this.biases[l];
      if (fused && b && l < last) {
        h = biasRelu(z, b);
        embedding = h;
        continue;
      }
      if (b) z = tf.add(z, b);
      if (l < last) {
        h = tf.relu(z);
        embedding = h;
      } else {
        h = z;
      }
    }
    return { logits: h, embedding };
  }

  logits(x: tf.Tensor2D): tf.Tensor2D {
    return this.forward(x).logits;
  }

  /** A plain-array copy of the current parameters (for checkpoints and ONNX export). */
  toWeights(): MlpWeights {
    return {
      arch: this.arch,
      layers: this.weights.map((w, l) => ({
        inDim: w.shape[0],
        outDim: w.shape[1],
        w: w.dataSync() as Float32Array,
        b: (this.biases[l]?.dataSync() as Float32Array | undefined) ?? null,
      })),
    };
  }

  /** Overwrite parameters in place (restore a checkpoint). */
  load(weights: MlpWeights): void {
    tf.tidy(() => weights.layers.forEach((layer, l) => {
      this.weights[l].assign(tf.tensor2d(layer.w, [layer.inDim, layer.outDim]));
      if (layer.b) this.biases[l]?.assign(tf.tensor1d(layer.b));
    }));
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
