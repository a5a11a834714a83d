/**
 * Trainer throughput on the Colored MNIST MLP (392→390→390→2, Adam lr 1e-3, mean cross-entropy, the loss read back
 * every step), batch 64 and 256: every trainer path available here — tfjs wasm (transpose-free dense gradient, and
 * tfjs' built-in MatMul gradient as its baseline), the native BLAS path at 1 and 2 OpenBLAS threads, the tfjs cpu
 * backend, tfjs-node when installed — and PyTorch CPU as the peer at 1 and 2 threads, in the same run.
 * Measurements are interleaved (every configuration once per round, `--repeats` rounds) so that load from other
 * processes falls on all of them alike; medians of steps/s and examples/s, ratios ours / PyTorch at the same thread
 * count, JSON in artifacts/bench-trainer.json. PyTorch (Debian python3-torch + libopenblas0-openmp) is skipped with a
 * message when `import torch` fails. Not part of CI or npm test.
 * Usage: npm run bench [-- --steps 100 --repeats 5 --out artifacts/bench-trainer.json]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { optimize } from '../trainer/src/algorithms/common.js';
import { perExampleCE } from '../trainer/src/algorithms/losses.js';
import { initBackend, tf, type BackendName } from '../trainer/src/backend.js';
import { installBlasMatMul, uninstallBlasMatMul } from '../trainer/src/model/blas-matmul.js';
import { transposeFreeDense } from '../trainer/src/model/dense.js';
import { architecture, Mlp } from '../trainer/src/model/mlp.js';
import { loadNativeBlas } from '../trainer/src/model/native-blas.js';
import { adam } from '../trainer/src/model/optimizer.js';
import { RandomState } from '../trainer/src/random.js';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const STEPS = Number(argValue('steps') ?? 100), REPEATS = Number(argValue('repeats') ?? 5);
const OUT = argValue('out') ?? 'artifacts/bench-trainer.json';
const BATCHES = [64, 256];
/** Untimed steps before each measurement (JIT, allocator and thread pools warm), the same in the PyTorch peer. */
const WARMUP = 20;
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type MatMul = (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
/**
 * Steps per wall-clock second, and per second of this process's CPU time: at one thread the second is what the
 * step costs whatever else the machine runs (wall time on a shared machine includes waiting for a core).
 */
interface Measurement { rate: number; cpuRate: number }
interface Config {
  path: string;
  threads: number;
  batch: number;
  /** Fewer steps for the slow tfjs cpu backend (~5 steps/s). */
  steps: number;
  run: (c: Config) => Promise<Measurement>;
  backend?: string;
}

/** One measurement of our trainer step: a fresh network, WARMUP untimed steps, then `steps` timed steps. */
async function oursOnce(backend: BackendName, c: Config, matMul?: MatMul): Promise<Measurement> {
  c.backend = await initBackend(backend);
  const rng = new RandomState(0);
  const net = new Mlp(architecture(392, [390, 390], 2), 'xavier', rng, matMul);
  const opt = adam(net.variables, { lr: 1e-3 });
  const x = tf.tensor2d(Float32Array.from({ length: c.batch * 392 }, () => rng.random()), [c.batch, 392]);
  const y = tf.tensor1d(Int32Array.from({ length: c.batch }, () => rng.randint(2)), 'int32');
  const step = () => optimize(opt, net.variables, () => tf.mean(perExampleCE(net.logits(x), y, 2)) as tf.Scalar);
  for (let i = 0; i < WARMUP; i++) step();
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  for (let i = 0; i < c.steps; i++) step();
  const cpu = process.cpuUsage(cpu0);
  const rate = { rate: c.steps / ((performance.now() - t0) / 1000), cpuRate: c.steps / ((cpu.user + cpu.system) / 1e6) };
  tf.dispose([x, y]);
  opt.dispose();
  net.dispose();
  return rate;
}

/** PyTorch in one long-lived python process (bench/trainer-torch.py --serve), one JSON line per measurement. */
class TorchPeer {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly proc: ChildProcessWithoutNullStreams, readonly python: string, readonly version: string, readonly blas: string) {
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }

  /** The first python with torch among $PYTHON, python3, /usr/bin/python3; null with why when there is none. */
  static start(): { peer: TorchPeer } | { error: string } {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trainer-torch.py');
    const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
    for (const python of candidates) {
      const probe = spawnSync(python, [script, '--probe'], { encoding: 'utf8' });
      if (probe.status !== 0) continue;
      const { torch, blas } = JSON.parse(probe.stdout) as { torch: string; blas: string };
      return { peer: new TorchPeer(spawn(python, [script, '--serve']), python, torch, blas) };
    }
    return { error: `python3 -c 'import torch' fails (tried ${candidates.join(', ')}); apt-get install python3-torch libopenblas0-openmp` };
  }

  async rate(threads: number, batch: number, steps: number): Promise<Measurement> {
    this.proc.stdin.write(`${JSON.stringify({ threads, batch, steps, warmup: WARMUP })}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the PyTorch peer exited');
    return JSON.parse(value) as Measurement;
  }

  stop(): void {
    this.proc.stdin.end();
  }
}

const blas = loadNativeBlas();
const defaultBlasThreads = blas.blas?.getThreads();
const torchStart = TorchPeer.start();
const torch = 'peer' in torchStart ? torchStart.peer : null;
const native = await initBackend('tensorflow').catch(() => null);
const builtin: MatMul = (x, w) => tf.matMul(x, w);

const configs: Config[] = [];
for (const batch of BATCHES) {
  const add = (p: string, threads: number, run: Config['run'], steps = STEPS) => configs.push({ path: p, threads, batch, steps, run });
  if (native) add(native, 0, (c) => oursOnce('tensorflow', c));
  const sgemm = blas.blas;
  if (sgemm) {
    for (const threads of [1, 2]) {
      add('blas', threads, async (c) => {
        await initBackend('blas'); // before the thread count: initialising sets one thread
        sgemm.setThreads(c.threads);
        const m = await oursOnce('blas', c);
        c.backend = `blas, ${c.threads} OpenBLAS thread(s)`;
        return m;
      });
    }
    // The alternatives the blas path was chosen over (batch 64, 1 thread): explicit transposes around sgemm, and
    // sgemm under the tfjs cpu backend (whose other ops are plain JS).
    if (batch === 64) {
      add('blas, transpose-free dense gradient', 1, async (c) => {
        await initBackend('blas');
        sgemm.setThreads(1);
        return oursOnce('blas', c, transposeFreeDense);
      });
      add('blas MatMul on the tfjs cpu backend', 1, async (c) => {
        sgemm.setThreads(1);
        await initBackend('cpu');
        installBlasMatMul(sgemm, 'cpu');
        try {
          const rate = await oursOnce('cpu', c, builtin);
          c.backend = 'cpu, OpenBLAS sgemm as its MatMul';
          return rate;
        } finally {
          uninstallBlasMatMul('cpu');
        }
      }, Math.max(5, Math.round(STEPS / 10)));
    }
  }
  add('wasm', 1, (c) => oursOnce('wasm', c));
  if (batch === 64) {
    add('wasm, tfjs built-in MatMul gradient', 1, (c) => oursOnce('wasm', c, builtin));
    add('cpu (tfjs-backend-cpu)', 1, (c) => oursOnce('cpu', c), Math.max(5, Math.round(STEPS / 10)));
  }
  if (torch) for (const threads of [1, 2]) add('pytorch', threads, (c) => torch.rate(c.threads, c.batch, c.steps));
}

const load0 = os.loadavg();
console.log(`trainer benchmark: MLP 392→390→390→2, Adam, batch ${BATCHES.join(' and ')}; ${REPEATS} interleaved rounds × ${STEPS} steps; ${os.cpus().length} CPUs, load average ${load0.map((l) => l.toFixed(1)).join(' ')}`);
if (!blas.blas) console.log(`native BLAS unavailable: ${blas.error} — blas path not measured`);
if (!native) console.log('tfjs-node / tfjs-node-gpu not installed: tensorflow backend not measured');
console.log(torch ? `PyTorch peer: torch ${torch.version} (${torch.python}; ${torch.blas})` : `PyTorch peer skipped: ${'error' in torchStart ? torchStart.error : ''}`);

const rates = configs.map(() => [] as number[]), cpuRates = configs.map(() => [] as number[]);
for (let r = 0; r < REPEATS; r++) {
  for (const [i, c] of configs.entries()) {
    const m = await c.run(c);
    rates[i].push(m.rate);
    cpuRates[i].push(m.cpuRate);
  }
  process.stderr.write(`round ${r + 1}/${REPEATS} done\n`);
}
torch?.stop();
if (blas.blas && defaultBlasThreads) blas.blas.setThreads(defaultBlasThreads);
const load1 = os.loadavg();

const rows = configs.map((c, i) => ({
  path: c.path,
  backend: c.path === 'pytorch' ? `pytorch ${torch?.version}` : c.backend,
  threads: c.threads,
  batch: c.batch,
  steps: c.steps,
  stepsPerSecond: rates[i],
  medianStepsPerSecond: median(rates[i]),
  medianExamplesPerSecond: median(rates[i]) * c.batch,
  stepsPerCpuSecond: cpuRates[i],
  medianStepsPerCpuSecond: median(cpuRates[i]),
}));
const peerOf = (row: (typeof rows)[number]) => rows.find((p) => p.path === 'pytorch' && p.batch === row.batch && p.threads === Math.max(1, row.threads));
const ratios = rows
  .filter((row) => row.path !== 'pytorch' && peerOf(row))
  .map((row) => ({
    path: row.path, threads: row.threads, batch: row.batch,
    oursOverPytorch: row.medianStepsPerSecond / peerOf(row)!.medianStepsPerSecond,
    // Per CPU-second: meaningful at one thread only (more threads spend more CPU per step by design).
    oursOverPytorchPerCpuSecond: row.threads <= 1 ? row.medianStepsPerCpuSecond / peerOf(row)!.medianStepsPerCpuSecond : null,
  }));

const fmt = (v: number, w: number, d = 1) => v.toFixed(d).padStart(w);
console.log(`\n${'path'.padEnd(38)} ${'thr'.padStart(3)} ${'batch'.padStart(5)} ${'steps/s median [min–max]'.padStart(26)} ${'examples/s'.padStart(10)} ${'steps/CPU-s'.padStart(11)}  ours/PyTorch (same threads): wall, CPU`);
for (const row of rows) {
  const ratio = ratios.find((q) => q.path === row.path && q.threads === row.threads && q.batch === row.batch);
  const range = `${fmt(row.medianStepsPerSecond, 7)} [${Math.min(...row.stepsPerSecond).toFixed(1)}–${Math.max(...row.stepsPerSecond).toFixed(1)}]`;
  const ratioText = ratio ? `${ratio.oursOverPytorch.toFixed(2)}×${ratio.oursOverPytorchPerCpuSecond !== null ? `, ${ratio.oursOverPytorchPerCpuSecond.toFixed(2)}×` : ''}` : '';
  console.log(`${row.path.padEnd(38)} ${String(row.threads || '-').padStart(3)} ${String(row.batch).padStart(5)} ${range.padStart(26)} ${fmt(row.medianExamplesPerSecond, 10, 0)} ${fmt(row.medianStepsPerCpuSecond, 11)}  ${ratioText}`);
}
const rowOf = (p: string, threads: number, batch: number) => rows.find((q) => q.path === p && q.threads === threads && q.batch === batch);
const wasm64 = rowOf('wasm', 1, 64), builtin64 = rowOf('wasm, tfjs built-in MatMul gradient', 1, 64), blas64 = rowOf('blas', 1, 64);
if (wasm64 && builtin64) console.log(`\nwasm: transpose-free / built-in MatMul gradient ${(wasm64.medianStepsPerSecond / builtin64.medianStepsPerSecond).toFixed(2)}× (batch 64)`);
if (wasm64 && blas64) console.log(`blas (1 thread) / wasm: ${(blas64.medianStepsPerSecond / wasm64.medianStepsPerSecond).toFixed(2)}× at batch 64, ${(rowOf('blas', 1, 256)!.medianStepsPerSecond / rowOf('wasm', 1, 256)!.medianStepsPerSecond).toFixed(2)}× at batch 256`);
if (ratios.length) {
  const best = (batch: number, threads: number, cpu = false) =>
    Math.max(...ratios.filter((q) => q.batch === batch && q.threads === threads).map((q) => (cpu ? q.oursOverPytorchPerCpuSecond ?? 0 : q.oursOverPytorch)));
  const at = (batch: number) => `${best(batch, 1).toFixed(2)}× at 1 thread (${best(batch, 1, true).toFixed(2)}× per CPU-second)${blas.blas ? `, ${best(batch, 2).toFixed(2)}× at 2` : ''}`;
  console.log(`targets (issue 9), best of ours against PyTorch at the same threads: steps/s at batch 64 ≥ 1.0× (interim ≥ 0.5×): ${at(64)}; examples/s at batch 256 ≥ 1.0×: ${at(256)}`);
}
console.log(`load average ${load0.map((l) => l.toFixed(1)).join(' ')} at the start, ${load1.map((l) => l.toFixed(1)).join(' ')} at the end (a shared machine: compare ratios within this run)`);

mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify({
  createdAt: new Date().toISOString(),
  model: 'mlp 392→390→390→2, Adam lr 1e-3, mean cross-entropy',
  steps: STEPS, repeats: REPEATS, cpus: os.cpus().length, loadAverage: { start: load0, end: load1 },
  pytorch: torch ? { version: torch.version, python: torch.python, blas: torch.blas } : { skipped: 'error' in torchStart ? torchStart.error : '' },
  rows, ratios,
}, null, 2)}\n`);
console.log(`wrote ${OUT}`);
