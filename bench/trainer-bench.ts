/**
 * Trainer throughput on the Colored MNIST MLP (392→390→390→2, Adam, batch 64): steps/s medians over repeated runs,
 * and ratios against a baseline measured in the same run:
 *   - dense gradient: transpose-free custom gradient vs tfjs' built-in MatMul gradient (wasm backend);
 *   - backend: wasm vs tfjs cpu (and tfjs-node when installed).
 * Usage: npm run bench [-- --steps 100 --repeats 5]
 */
import { tf, initBackend } from '../trainer/src/backend.js';
import { architecture, Mlp } from '../trainer/src/model/mlp.js';
import { adam } from '../trainer/src/model/optimizer.js';
import { optimize } from '../trainer/src/algorithms/common.js';
import { perExampleCE } from '../trainer/src/algorithms/losses.js';
import { RandomState } from '../trainer/src/random.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 100), REPEATS = arg('repeats', 5), BATCH = 64;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function stepsPerSecond(matMul?: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D): number {
  const rng = new RandomState(0);
  const net = new Mlp(architecture(392, [390, 390], 2), 'xavier', rng, matMul);
  const opt = adam(net.variables, { lr: 1e-3 });
  const x = tf.tensor2d(Float32Array.from({ length: BATCH * 392 }, () => rng.random()), [BATCH, 392]);
  const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.randint(2)), 'int32');
  const step = () => optimize(opt, net.variables, () => tf.mean(perExampleCE(net.logits(x), y, 2)) as tf.Scalar);
  for (let i = 0; i < 5; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const rate = STEPS / ((performance.now() - t0) / 1000);
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return rate;
}

function measure(label: string, matMul?: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D): number {
  const rates = Array.from({ length: REPEATS }, () => stepsPerSecond(matMul));
  const m = median(rates);
  console.log(`${label.padEnd(48)} median ${m.toFixed(1).padStart(7)} steps/s  [${Math.min(...rates).toFixed(1)}–${Math.max(...rates).toFixed(1)}] over ${REPEATS}×${STEPS} steps`);
  return m;
}

const builtin = (x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D => tf.matMul(x, w);
console.log(`trainer benchmark: Colored MNIST MLP 392→390→390→2, Adam, batch ${BATCH}`);
await initBackend('wasm');
const wasmCustom = measure('wasm, transpose-free dense gradient');
const wasmBuiltin = measure('wasm, tfjs built-in MatMul gradient', builtin);
console.log(`ratio transpose-free / built-in on wasm: ${(wasmCustom / wasmBuiltin).toFixed(2)}×`);
await initBackend('cpu');
const cpu = measure('cpu (tfjs-backend-cpu), transpose-free gradient');
console.log(`ratio wasm / cpu: ${(wasmCustom / cpu).toFixed(2)}×`);
const native = await initBackend('tensorflow').catch(() => null);
if (native) {
  const t = measure(`${native}, transpose-free gradient`);
  console.log(`ratio ${native} / wasm: ${(t / wasmCustom).toFixed(2)}×`);
} else {
  console.log('tfjs-node / tfjs-node-gpu not installed: native backend not measured');
}
