import type { Architecture } from '#shared';

/** One dense layer, y = x·W + b, W stored [inDim × outDim] row-major. */
export interface DenseLayer {
  inDim: number;
  outDim: number;
  w: Float32Array;
  b: Float32Array | null;
}

/** Plain weights of an MLP (ReLU between layers, none after the last): what tfjs trains and ONNX exports. */
export interface MlpWeights {
  arch: Architecture;
  layers: DenseLayer[];
}

/** The three networks one bundle serves: the selected model and the two XRM twins. */
export interface BundleNetworks {
  served: MlpWeights;
  twinA: MlpWeights;
  twinB: MlpWeights;
}
