import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT_NAMES, ONNX_OUTPUTS } from '#shared';
import { ONNX_BATCH_DIM, ONNX_IR_VERSION, exportBundleOnnx } from '../../trainer/src/bundle/onnx-export.js';
import { forwardMlp } from '../../trainer/src/model/forward.js';
import { createOrtSession, runAll } from '../../trainer/src/model/ort-node.js';
import type { BundleNetworks, MlpWeights } from '../../trainer/src/model/weights.js';
import { RandomState } from '../../trainer/src/random.js';

const { onnx } = onnxProto;
const TOL = 1e-5;

interface Spec { inputDim: number; hidden: number[]; numClasses: number; bias: boolean }

/** An MLP with N(0, 1/inDim) weights and N(0, 0.1²) biases drawn from `rng`. */
function randomMlp(spec: Spec, rng: RandomState): MlpWeights {
  const dims = [spec.inputDim, ...spec.hidden, spec.numClasses];
  const layers = dims.slice(0, -1).map((inDim, l) => {
    const outDim = dims[l + 1];
    const w = new Float32Array(inDim * outDim);
    const std = 1 / Math.sqrt(inDim);
    for (let k = 0; k < w.length; k++) w[k] = rng.normal(0, std);
    let b: Float32Array | null = null;
    if (spec.bias) {
      b = new Float32Array(outDim);
      for (let k = 0; k < outDim; k++) b[k] = rng.normal(0, 0.1);
    }
    return { inDim, outDim, w, b };
  });
  return {
    arch: {
      family: 'mlp', inputDim: spec.inputDim, hidden: spec.hidden, numClasses: spec.numClasses, bias: spec.bias,
      activation: 'relu', embeddingDim: spec.hidden.length > 0 ? spec.hidden[spec.hidden.length - 1] : spec.inputDim,
    },
    layers,
  };
}

function randomNets(spec: Spec, seed: number, twinSpec: Spec = spec): BundleNetworks {
  const rng = new RandomState(seed);
  return { served: randomMlp(spec, rng), twinA: randomMlp(twinSpec, rng), twinB: randomMlp(twinSpec, rng) };
}

function randomBatch(n: number, d: number, rng: RandomState, signed = false): Float32Array {
  const x = new Float32Array(n * d);
  for (let k = 0; k < x.length; k++) x[k] = signed ? rng.normal() : rng.random();
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** Exports, runs in onnxruntime-web and compares every output with the float64 reference; returns the worst diff. */
async function checkParity(nets: BundleNetworks, x: Float32Array, n: number): Promise<number> {
  const D = nets.served.arch.inputDim, K = nets.served.arch.numClasses, E = nets.served.arch.embeddingDim;
  const session = await createOrtSession(exportBundleOnnx(nets));
  try {
    const got = await runAll(session, x, n, D);
    const served = forwardMlp(nets.served, x, n);
    const a = forwardMlp(nets.twinA, x, n).logits;
    const b = forwardMlp(nets.twinB, x, n).logits;
    expect(got.logits.length).toBe(n * K);
    expect(got.embedding.length).toBe(n * E);
    expect(got.twinA.length).toBe(n * K);
    expect(got.twinB.length).toBe(n * K);
    const diffs = [
      maxAbsDiff(got.logits, served.logits), maxAbsDiff(got.embedding, served.embedding),
      maxAbsDiff(got.twinA, a), maxAbsDiff(got.twinB, b),
    ];
    for (const d of diffs) expect(d).toBeLessThanOrEqual(TOL);
    return Math.max(...diffs);
  } finally {
    await session.release();
  }
}

const ARCHS: Record<string, Spec> = {
  'linear, no bias (synthetic, D=1800, K=2)': { inputDim: 1800, hidden: [], numClasses: 2, bias: false },
  'one hidden layer with bias': { inputDim: 20, hidden: [16], numClasses: 3, bias: true },
  'Colored MNIST MLP 392→390→390→2': { inputDim: 392, hidden: [390, 390], numClasses: 2, bias: true },
};

describe('forwardMlp', () => {
  it('matches a hand-computed two-layer example', () => {
    const net: MlpWeights = {
      arch: { family: 'mlp', inputDim: 2, hidden: [2], numClasses: 2, bias: true, activation: 'relu', embeddingDim: 2 },
      layers: [
        { inDim: 2, outDim: 2, w: Float32Array.from([1, -1, 2, 1]), b: Float32Array.from([0, -10]) },
        { inDim: 2, outDim: 2, w: Float32Array.from([1, 0, 0, 1]), b: Float32Array.from([0.5, 0]) },
      ],
    };
    // x = [1, 2]: x·W1 + b1 = [1 + 4, -1 + 2 - 10] = [5, -9] → relu [5, 0] → logits [5.5, 0].
    const { logits, embedding } = forwardMlp(net, Float32Array.from([1, 2]), 1);
    expect(Array.from(embedding)).toEqual([5, 0]);
    expect(Array.from(logits)).toEqual([5.5, 0]);
  });

  it('returns the input itself as the embedding of a linear model', () => {
    const net = randomMlp({ inputDim: 5, hidden: [], numClasses: 2, bias: false }, new RandomState(1));
    const x = randomBatch(3, 5, new RandomState(2));
    expect(forwardMlp(net, x, 3).embedding).toEqual(x);
  });

  it('rejects an input of the wrong length', () => {
    const net = randomMlp({ inputDim: 5, hidden: [], numClasses: 2, bias: false }, new RandomState(1));
    expect(() => forwardMlp(net, new Float32Array(9), 2)).toThrow(/expected n·inputDim/);
  });
});

describe('exportBundleOnnx', () => {
  for (const [name, spec] of Object.entries(ARCHS)) {
    it(`matches forwardMlp in onnxruntime-web: ${name}`, async () => {
      const n = 17;
      const nets = randomNets(spec, 7);
      await checkParity(nets, randomBatch(n, spec.inputDim, new RandomState(11)), n);
    });
  }

  it('writes one input x [N, D] and the four outputs with their shapes', async () => {
    const nets = randomNets(ARCHS['Colored MNIST MLP 392→390→390→2'], 3);
    const bytes = exportBundleOnnx(nets, { producerVersion: '1.2.3', docString: 'test bundle' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain ?? '', Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(model.producerName).toBe('mat-edge');
    expect(model.producerVersion).toBe('1.2.3');
    expect(model.docString).toBe('test bundle');
    const g = model.graph as OnnxTypes.GraphProto;
    const shape = (v: OnnxTypes.IValueInfoProto) => {
      const t = v.type!.tensorType!;
      expect(t.elemType).toBe(onnx.TensorProto.DataType.FLOAT);
      return t.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
    };
    expect(g.input.map((v) => v.name)).toEqual([ONNX_INPUT]);
    expect(shape(g.input[0])).toEqual([ONNX_BATCH_DIM, 392]);
    expect(g.output.map((v) => v.name)).toEqual([...ONNX_OUTPUT_NAMES]);
    expect(Object.fromEntries(g.output.map((v) => [v.name, shape(v)]))).toEqual({
      [ONNX_OUTPUTS.logits]: [ONNX_BATCH_DIM, 2],
      [ONNX_OUTPUTS.embedding]: [ONNX_BATCH_DIM, 390],
      [ONNX_OUTPUTS.twinA]: [ONNX_BATCH_DIM, 2],
      [ONNX_OUTPUTS.twinB]: [ONNX_BATCH_DIM, 2],
    });
    // Only MatMul / Add / Relu; unique, per-network prefixed names; weights as raw little-endian float32.
    expect(new Set(g.node.map((nd) => nd.opType))).toEqual(new Set(['MatMul', 'Add', 'Relu']));
    const initNames = g.initializer.map((t) => t.name!);
    expect(new Set(initNames).size).toBe(initNames.length);
    expect(initNames.every((nm) => /^(served|twin_a|twin_b)_/.test(nm))).toBe(true);
    expect(initNames.length).toBe(3 * 3 * 2);
    const w0 = g.initializer.find((t) => t.name === 'served_w0')!;
    expect(w0.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
    expect(w0.dims!.map(Number)).toEqual([392, 390]);
    expect(w0.floatData ?? []).toHaveLength(0);
    const raw = w0.rawData!;
    expect(raw.length).toBe(392 * 390 * 4);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    expect(view.getFloat32(4 * 1234, true)).toBe(nets.served.layers[0].w[1234]);
    const nodeNames = g.node.map((nd) => nd.name);
    expect(new Set(nodeNames).size).toBe(nodeNames.length);

    const session = await createOrtSession(bytes);
    try {
      expect(session.inputNames).toEqual([ONNX_INPUT]);
      expect([...session.outputNames].sort()).toEqual([...ONNX_OUTPUT_NAMES].sort());
    } finally {
      await session.release();
    }
  });

  it('uses an Identity of x as the embedding of a linear model', () => {
    const g = onnx.ModelProto.decode(exportBundleOnnx(randomNets({ inputDim: 4, hidden: [], numClasses: 2, bias: false }, 5))).graph as OnnxTypes.GraphProto;
    const id = g.node.filter((nd) => nd.opType === 'Identity');
    expect(id).toHaveLength(1);
    expect(id[0].input).toEqual([ONNX_INPUT]);
    expect(id[0].output).toEqual([ONNX_OUTPUTS.embedding]);
    expect(Number(g.output.find((v) => v.name === ONNX_OUTPUTS.embedding)!.type!.tensorType!.shape!.dim![1].dimValue)).toBe(4);
  });

  it('accepts twins with a different hidden architecture than the served model', async () => {
    const nets = randomNets({ inputDim: 12, hidden: [8, 6], numClasses: 3, bias: true }, 9, { inputDim: 12, hidden: [5], numClasses: 3, bias: false });
    await checkParity(nets, randomBatch(4, 12, new RandomState(10)), 4);
  });

  it('matches forwardMlp for random architectures and batches (fast-check)', async () => {
    const spec = fc.record({
      inputDim: fc.integer({ min: 1, max: 12 }),
      hidden: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }),
      numClasses: fc.integer({ min: 2, max: 5 }),
      bias: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(spec, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 0xffffffff }), async (s, n, seed) => {
        const rng = new RandomState(seed);
        const nets = randomNets(s, rng.uint32());
        await checkParity(nets, randomBatch(n, s.inputDim, rng, true), n);
      }),
      { numRuns: 30, seed: 20260522 },
    );
  });

  describe('rejects bad shapes with a clear error', () => {
    const spec: Spec = { inputDim: 6, hidden: [4], numClasses: 3, bias: true };
    const fresh = () => randomNets(spec, 1);

    it('layer dimensions that do not chain', () => {
      const nets = fresh();
      nets.served.layers[1] = { ...nets.served.layers[1], inDim: 5, w: new Float32Array(5 * 3) };
      expect(() => exportBundleOnnx(nets)).toThrow(/served: layer 1 has inDim 5, expected 4/);
    });
    it('a weight matrix of the wrong size', () => {
      const nets = fresh();
      nets.twinB.layers[0] = { ...nets.twinB.layers[0], w: new Float32Array(7) };
      expect(() => exportBundleOnnx(nets)).toThrow(/twinB: layer 0 W has 7 values, expected 6×4 = 24/);
    });
    it('a bias that disagrees with the architecture', () => {
      const nets = fresh();
      nets.served.layers[0] = { ...nets.served.layers[0], b: null };
      expect(() => exportBundleOnnx(nets)).toThrow(/served: layer 0 has no bias/);
      const nets2 = fresh();
      nets2.twinA.layers[1] = { ...nets2.twinA.layers[1], b: new Float32Array(2) };
      expect(() => exportBundleOnnx(nets2)).toThrow(/twinA: layer 1 bias has 2 values, expected 3/);
    });
    it('a layer count that disagrees with the hidden widths', () => {
      const nets = fresh();
      nets.served.layers.pop();
      expect(() => exportBundleOnnx(nets)).toThrow(/served: expected 2 dense layers/);
    });
    it('a wrong embeddingDim', () => {
      const nets = fresh();
      nets.served.arch = { ...nets.served.arch, embeddingDim: 6 };
      expect(() => exportBundleOnnx(nets)).toThrow(/served: architecture.embeddingDim is 6, expected 4/);
    });
    it('twins with another input dimension or class count', () => {
      const a = randomNets(spec, 1, { ...spec, inputDim: 7 });
      expect(() => exportBundleOnnx(a)).toThrow(/twinA: inputDim 7 differs from the served model's 6/);
      const b = randomNets(spec, 1, { ...spec, numClasses: 2 });
      expect(() => exportBundleOnnx(b)).toThrow(/twinA: numClasses 2 differs from the served model's 3/);
    });
    it('non-finite weights', () => {
      const nets = fresh();
      nets.twinB.layers[1].w[2] = Number.NaN;
      expect(() => exportBundleOnnx(nets)).toThrow(/twinB: layer 1 W\[2\] is not finite/);
    });
  });
});

describe('runAll', () => {
  it('rejects an input whose length is not n·d', async () => {
    const nets = randomNets({ inputDim: 3, hidden: [], numClasses: 2, bias: true }, 2);
    const session = await createOrtSession(exportBundleOnnx(nets));
    try {
      await expect(runAll(session, new Float32Array(5), 2, 3)).rejects.toThrow(/expected 2×3 = 6/);
    } finally {
      await session.release();
    }
  });
});
