import type { MlpWeights } from './weights.js';

/**
 * Checks that an MLP's layers agree with its architecture: one dense layer per hidden width plus the output layer,
 * dimensions chaining inputDim → hidden… → numClasses, W of length inDim·outDim, a bias of length outDim exactly when
 * `arch.bias`, embeddingDim = last hidden width (or inputDim for a linear model), and finite weights.
 * Throws an Error naming `label` and the offending layer; returns nothing.
 */
export function assertMlpShapes(weights: MlpWeights, label = 'model'): void {
  const { arch, layers } = weights;
  const fail = (msg: string): never => { throw new Error(`${label}: ${msg}`); };
  if (arch.family !== 'mlp') fail(`unsupported architecture family '${String(arch.family)}'`);
  if (arch.activation !== 'relu') fail(`unsupported activation '${String(arch.activation)}'`);
  if (layers.length !== arch.hidden.length + 1)
    fail(`expected ${arch.hidden.length + 1} dense layers for hidden [${arch.hidden.join(', ')}], got ${layers.length}`);
  const dims = [arch.inputDim, ...arch.hidden, arch.numClasses];
  const expectedEmbedding = arch.hidden.length > 0 ? arch.hidden[arch.hidden.length - 1] : arch.inputDim;
  if (arch.embeddingDim !== expectedEmbedding)
    fail(`architecture.embeddingDim is ${arch.embeddingDim}, expected ${expectedEmbedding} (last hidden width or inputDim)`);
  layers.forEach((layer, i) => {
    const where = `layer ${i}`;
    if (layer.inDim !== dims[i]) fail(`${where} has inDim ${layer.inDim}, expected ${dims[i]} (dimensions must chain)`);
    if (layer.outDim !== dims[i + 1]) fail(`${where} has outDim ${layer.outDim}, expected ${dims[i + 1]}`);
    if (layer.w.length !== layer.inDim * layer.outDim)
      fail(`${where} W has ${layer.w.length} values, expected ${layer.inDim}×${layer.outDim} = ${layer.inDim * layer.outDim}`);
    if (arch.bias && layer.b === null) fail(`${where} has no bias but architecture.bias is true`);
    if (!arch.bias && layer.b !== null) fail(`${where} has a bias but architecture.bias is false`);
    if (layer.b !== null && layer.b.length !== layer.outDim)
      fail(`${where} bias has ${layer.b.length} values, expected ${layer.outDim}`);
    for (let k = 0; k < layer.w.length; k++) if (!Number.isFinite(layer.w[k])) fail(`${where} W[${k}] is not finite (${layer.w[k]})`);
    if (layer.b !== null) for (let k = 0; k < layer.b.length; k++) if (!Number.isFinite(layer.b[k])) fail(`${where} b[${k}] is not finite (${layer.b[k]})`);
  });
}

/**
 * Reference forward pass of an MLP (y = x·W + b per layer, ReLU between layers, none after the last), accumulated in
 * float64: the oracle the ONNX export and the worker are checked against.
 * @param x row-major [n × inputDim]
 * @returns logits [n × numClasses] and embedding [n × embeddingDim] (last hidden activation after ReLU, or x itself
 *   for a linear model), both row-major float32.
 */
export function forwardMlp(weights: MlpWeights, x: Float32Array, n: number): { logits: Float32Array; embedding: Float32Array } {
  assertMlpShapes(weights);
  const { arch, layers } = weights;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer: ${n}`);
  const D = arch.inputDim, K = arch.numClasses, E = arch.embeddingDim;
  if (x.length !== n * D) throw new RangeError(`x has ${x.length} values, expected n·inputDim = ${n}×${D} = ${n * D}`);

  const logits = new Float32Array(n * K);
  const embedding = new Float32Array(n * E);
  const last = layers.length - 1;
  for (let r = 0; r < n; r++) {
    let h = new Float64Array(D);
    for (let i = 0; i < D; i++) h[i] = x[r * D + i];
    if (last === 0) embedding.set(x.subarray(r * D, (r + 1) * D), r * E);
    for (let l = 0; l <= last; l++) {
      const { inDim, outDim, w, b } = layers[l];
      const acc = new Float64Array(outDim);
      if (b !== null) for (let j = 0; j < outDim; j++) acc[j] = b[j];
      for (let i = 0; i < inDim; i++) {
        const hi = h[i];
        if (hi === 0) continue;
        const off = i * outDim;
        for (let j = 0; j < outDim; j++) acc[j] += hi * w[off + j];
      }
      if (l < last) {
        for (let j = 0; j < outDim; j++) if (acc[j] < 0) acc[j] = 0;
        if (l === last - 1) for (let j = 0; j < outDim; j++) embedding[r * E + j] = acc[j];
      } else {
        for (let j = 0; j < outDim; j++) logits[r * K + j] = acc[j];
      }
      h = acc;
    }
  }
  return { logits, embedding };
}
