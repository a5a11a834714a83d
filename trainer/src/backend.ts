import { createRequire } from 'node:module';
import path from 'node:path';
// The umbrella package, not bare tfjs-core: its Node build registers every kernel gradient.
import * as tf from '@tensorflow/tfjs';
import { installFusedAdam } from './model/blas-adam.js';
import { installBiasRelu } from './model/blas-bias-relu.js';
import { installBlasMatMul, uninstallBlasMatMul } from './model/blas-matmul.js';
import { loadNativeBlas } from './model/native-blas.js';

export type BackendName = 'auto' | 'tensorflow' | 'blas' | 'wasm' | 'cpu';
export const BACKEND_NAMES = ['auto', 'tensorflow', 'blas', 'wasm', 'cpu'] as const;

const require = createRequire(import.meta.url);

/** Packages that register tfjs' native 'tensorflow' backend, tried in order (GPU first). Optional, never required. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function tryNative(): Promise<string | null> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(/* @vite-ignore */ pkg);
      if (await tf.setBackend('tensorflow')) return pkg;
    } catch {
      // not installed (the usual case here: its install script needs libtensorflow from the network)
    }
  }
  return null;
}

async function useWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dist + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
}

async function useCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
}

/**
 * The BLAS path: tfjs wasm (SIMD) for every op but MatMul, which OpenBLAS sgemm runs in place on the wasm heap
 * (bench: faster end to end than sgemm under the cpu backend, whose elementwise ops are plain JS), and a fused Adam
 * step (model/optimizer.ts uses it only on this path).
 * Returns the backend string, or null with why BLAS is unavailable.
 */
async function tryBlas(): Promise<{ name: string } | { error: string }> {
  const { blas, error } = loadNativeBlas();
  if (!blas) return { error };
  // One thread unless OPENBLAS_NUM_THREADS says otherwise: this MLP's products are small enough that a second
  // thread bought nothing on 2 shared cores (bench), and parallel runs want one core each.
  if (!process.env.OPENBLAS_NUM_THREADS) blas.setThreads(1);
  await useWasm();
  installBlasMatMul(blas, 'wasm');
  installFusedAdam(blas);
  installBiasRelu(blas);
  return { name: `blas (${blas.config().split(' ').slice(0, 2).join(' ')} sgemm, ${blas.getThreads()} thread(s); tfjs wasm for the other ops)` };
}

let active: string | null = null;

/** The backend string of the last initBackend (null before the first). */
export function activeBackend(): string | null {
  return active;
}

/**
 * Selects the tfjs backend: `auto` prefers tfjs-node-gpu / tfjs-node when installed, then the native BLAS path when
 * its addon is built, else WebAssembly (SIMD). Returns a human-readable name of what is in use (the summary's and
 * manifest's `backend`). Switching between `blas` and `wasm` in one process is allowed (the parity test does).
 */
export async function initBackend(requested: BackendName = 'auto'): Promise<string> {
  if (active && (requested === 'auto' || active.startsWith(requested))) return active;
  if (requested === 'tensorflow' || requested === 'auto') {
    const pkg = await tryNative();
    if (pkg) return (active = `tensorflow (${pkg})`);
    if (requested === 'tensorflow') {
      throw new Error(`--backend tensorflow needs one of ${NATIVE_PACKAGES.join(' or ')} installed; use --backend blas or wasm`);
    }
  }
  if (requested === 'blas' || requested === 'auto') {
    const r = await tryBlas();
    if ('name' in r) return (active = r.name);
    if (requested === 'blas') {
      throw new Error(`--backend blas: native BLAS is unavailable: ${r.error}; install libopenblas-dev and run npm ci (or npm run build:blas), or use --backend wasm`);
    }
  }
  uninstallBlasMatMul('wasm');
  if (requested === 'cpu') {
    await useCpu();
    return (active = 'cpu');
  }
  await useWasm();
  return (active = 'wasm');
}

export { tf };
