import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { ONNX_EXEMPLAR_DOT, ONNX_FACTUAL_ROWS, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUTS, type ExemplarTable } from '#shared';
import { assertMlpShapes } from '../model/forward.js';
import type { BundleNetworks, MlpWeights } from '../model/weights.js';

// onnx-proto is CommonJS (`module.exports = $root`): Node's ESM loader only offers it as a default export.
const { onnx } = onnxProto;

/** IR version written to model.onnx (ONNX 1.10 / IR 8: accepted by onnxruntime-web 1.30, opset 13 needs IR ≥ 7). */
export const ONNX_IR_VERSION = 8;

/** Symbolic batch dimension of the input and every output. */
export const ONNX_BATCH_DIM = 'N';

/** Symbolic row count of the twins' outputs and `exemplar_dot` in a graph that reads `factual_rows`. */
export const ONNX_FACTUAL_DIM = 'F';

export interface OnnxExportOptions {
  producerVersion?: string;
  docString?: string;
  /**
   * The bundle's exemplars (memorization.json, unit rows): written into the graph as an initializer with the output
   * `exemplar_dot` = embedding · Eᵀ, so the nearest-exemplar search runs in the same `session.run` (ONNX_EXEMPLAR_DOT).
   */
  exemplars?: Pick<ExemplarTable, 'count' | 'dim' | 'embeddings'>;
  /**
   * The bundle declares an intervention: the graph reads `factual_rows` (ONNX_FACTUAL_ROWS) and runs the twins and
   * `exemplar_dot` on the first that many rows of `x` only, so a batch's counterfactual rows cost the served network
   * alone (at 392→390→390, ~0.3 M of the ~1.3 M multiply-adds a factual row costs with 1,024 exemplars).
   */
  counterfactualRows?: boolean;
}

/** Float32 values as little-endian bytes (TensorProto.raw_data is always little-endian). */
function float32LE(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

function floatTensorInfo(name: string, cols: number, rows = ONNX_BATCH_DIM): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: rows }, { dimValue: cols }] },
      },
    },
  };
}

interface GraphParts {
  nodes: OnnxTypes.INodeProto[];
  initializers: OnnxTypes.ITensorProto[];
}

/**
 * Appends one MLP reading `input` to the graph: per layer MatMul (+ Add when biased), Relu between layers.
 * Every node, intermediate value and initializer name starts with `prefix`; the last layer writes `logitsName`.
 * When `embeddingName` is given, the last hidden activation (or an Identity of the input for a linear model) is
 * written under that name. Returns nothing; `parts` is extended in place.
 */
function appendMlp(parts: GraphParts, net: MlpWeights, prefix: string, input: string, logitsName: string, embeddingName?: string): void {
  const last = net.layers.length - 1;
  let h = input;
  if (embeddingName !== undefined && last === 0)
    parts.nodes.push({ name: `${prefix}embedding_identity`, opType: 'Identity', domain: '', input: [input], output: [embeddingName] });
  net.layers.forEach((layer, l) => {
    const wName = `${prefix}w${l}`;
    parts.initializers.push({ name: wName, dataType: onnx.TensorProto.DataType.FLOAT, dims: [layer.inDim, layer.outDim], rawData: float32LE(layer.w) });
    const isLast = l === last;
    const linearOut = isLast ? logitsName : `${prefix}linear${l}`;
    if (layer.b === null) {
      parts.nodes.push({ name: `${prefix}matmul${l}`, opType: 'MatMul', domain: '', input: [h, wName], output: [linearOut] });
    } else {
      const bName = `${prefix}b${l}`;
      parts.initializers.push({ name: bName, dataType: onnx.TensorProto.DataType.FLOAT, dims: [layer.outDim], rawData: float32LE(layer.b) });
      const mmOut = `${prefix}matmul${l}_out`;
      parts.nodes.push({ name: `${prefix}matmul${l}`, opType: 'MatMul', domain: '', input: [h, wName], output: [mmOut] });
      parts.nodes.push({ name: `${prefix}add${l}`, opType: 'Add', domain: '', input: [mmOut, bName], output: [linearOut] });
    }
    if (!isLast) {
      // The last hidden activation is itself the `embedding` output (a graph output may also feed later nodes).
      const reluOut = embeddingName !== undefined && l === last - 1 ? embeddingName : `${prefix}relu${l}`;
      parts.nodes.push({ name: `${prefix}relu${l}`, opType: 'Relu', domain: '', input: [linearOut], output: [reluOut] });
      h = reluOut;
    }
  });
}

/**
 * Builds the bundle's single ONNX graph (opset 13): input `x` float32 [N, D]; outputs `logits` [N, K] (served model),
 * `embedding` [N, E] (served model's last hidden activation, Identity(x) for a linear model), `twin_a` and `twin_b`
 * [N, K] (the XRM twins' logits). All three networks read the same `x`. Weights are stored as little-endian float32
 * raw_data initializers named `served_*`, `twin_a_*`, `twin_b_*`; with `opts.exemplars`, a fifth output `exemplar_dot`;
 * with `opts.counterfactualRows`, a second input `factual_rows` and the twins and `exemplar_dot` on those rows only.
 * Throws an Error when a network's layers don't match its architecture, or when the twins' input dim or class count
 * differs from the served model's.
 * @returns the serialized ModelProto.
 */
export function exportBundleOnnx(nets: BundleNetworks, opts: OnnxExportOptions = {}): Uint8Array {
  assertMlpShapes(nets.served, 'served');
  assertMlpShapes(nets.twinA, 'twinA');
  assertMlpShapes(nets.twinB, 'twinB');
  const { inputDim: D, numClasses: K, embeddingDim: E } = nets.served.arch;
  for (const [label, twin] of [['twinA', nets.twinA], ['twinB', nets.twinB]] as const) {
    if (twin.arch.inputDim !== D) throw new Error(`${label}: inputDim ${twin.arch.inputDim} differs from the served model's ${D}`);
    if (twin.arch.numClasses !== K) throw new Error(`${label}: numClasses ${twin.arch.numClasses} differs from the served model's ${K}`);
  }

  const parts: GraphParts = { nodes: [], initializers: [] };
  const split = opts.counterfactualRows === true;
  // With counterfactual rows, the first `factual_rows` rows of a value: Slice(v, [0], factual_rows, axes [0]).
  const factual = (v: string): string => {
    if (!split) return v;
    parts.nodes.push({ name: `${v}_factual_slice`, opType: 'Slice', domain: '', input: [v, 'factual_starts', ONNX_FACTUAL_ROWS, 'factual_axes'], output: [`${v}_factual`] });
    return `${v}_factual`;
  };
  if (split) {
    for (const name of ['factual_starts', 'factual_axes'])
      parts.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [1], int64Data: [0] });
  }
  appendMlp(parts, nets.served, 'served_', ONNX_INPUT, ONNX_OUTPUTS.logits, ONNX_OUTPUTS.embedding);
  const twinInput = factual(ONNX_INPUT);
  appendMlp(parts, nets.twinA, 'twin_a_', twinInput, ONNX_OUTPUTS.twinA);
  appendMlp(parts, nets.twinB, 'twin_b_', twinInput, ONNX_OUTPUTS.twinB);
  const F = split ? ONNX_FACTUAL_DIM : ONNX_BATCH_DIM;
  const ex = opts.exemplars && opts.exemplars.count > 0 ? opts.exemplars : null;
  if (ex) {
    if (ex.dim !== E) throw new Error(`exemplars have dim ${ex.dim}, the served model's embedding is ${E}`);
    if (ex.embeddings.length !== ex.count * ex.dim) throw new Error(`exemplar embeddings hold ${ex.embeddings.length} floats, expected ${ex.count}×${ex.dim}`);
    // Stored transposed, [E, count], so the product is a plain MatMul from the embedding.
    const t = new Float32Array(ex.count * E);
    for (let i = 0; i < ex.count; i++) for (let j = 0; j < E; j++) t[j * ex.count + i] = ex.embeddings[i * E + j];
    parts.initializers.push({ name: 'exemplars_t', dataType: onnx.TensorProto.DataType.FLOAT, dims: [E, ex.count], rawData: float32LE(t) });
    parts.nodes.push({ name: 'exemplar_matmul', opType: 'MatMul', domain: '', input: [factual(ONNX_OUTPUTS.embedding), 'exemplars_t'], output: [ONNX_EXEMPLAR_DOT] });
  }

  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'mat-edge',
    producerVersion: opts.producerVersion ?? '',
    docString: opts.docString ?? '',
    graph: {
      name: 'mat_edge_bundle',
      node: parts.nodes,
      initializer: parts.initializers,
      input: [
        floatTensorInfo(ONNX_INPUT, D),
        ...(split ? [{ name: ONNX_FACTUAL_ROWS, type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimValue: 1 }] } } } }] : []),
      ],
      output: [
        floatTensorInfo(ONNX_OUTPUTS.logits, K),
        floatTensorInfo(ONNX_OUTPUTS.embedding, E),
        floatTensorInfo(ONNX_OUTPUTS.twinA, K, F),
        floatTensorInfo(ONNX_OUTPUTS.twinB, K, F),
        ...(ex ? [floatTensorInfo(ONNX_EXEMPLAR_DOT, ex.count, F)] : []),
      ],
    },
  });
  const encoded = onnx.ModelProto.encode(model).finish();
  // protobufjs may hand back a pooled Node Buffer; return a plain, exactly-sized Uint8Array.
  const out = new Uint8Array(encoded.length);
  out.set(encoded);
  return out;
}
