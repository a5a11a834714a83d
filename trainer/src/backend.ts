import { createRequire } from 'node:module';
import path from 'node:path';
// The umbrella package, not bare tfjs-core: its Node build registers every kernel gradient.
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

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

let active: string | null = null;

/**
 * Selects the tfjs backend once per process: `auto` prefers tfjs-node-gpu / tfjs-node when installed,
 * else WebAssembly (SIMD). Returns a human-readable name of what is in use.
 */
export async function initBackend(requested: BackendName = 'auto'): Promise<string> {
  if (active && (requested === 'auto' || active.startsWith(requested))) return active;
  if (requested === 'tensorflow' || requested === 'auto') {
    const pkg = await tryNative();
    if (pkg) return (active = `tensorflow (${pkg})`);
    if (requested === 'tensorflow') {
      throw new Error(`--backend tensorflow needs one of ${NATIVE_PACKAGES.join(' or ')} installed; use --backend wasm`);
    }
  }
  if (requested === 'cpu') {
    await useCpu();
    return (active = 'cpu');
  }
  await useWasm();
  return (active = 'wasm');
}

export { tf };
