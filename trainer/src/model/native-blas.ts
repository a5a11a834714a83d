import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The N-API addon in native/blas (OpenBLAS cblas_sgemm), built by `npm ci` where libopenblas-dev is installed. */
export interface NativeBlas {
  /** C ← alpha·op(A)·op(B) + beta·C, row-major; op(X) = Xᵀ when its flag is set. Throws on sizes the arrays cannot hold. */
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
    b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  /** One Adam step (see native/blas/adam.cc) from w, g, m, s into wOut, mOut, sOut; all of one length. */
  adam(w: Float32Array, g: Float32Array, m: Float32Array, s: Float32Array, wOut: Float32Array, mOut: Float32Array, sOut: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, c1: number, c2: number): void;
  /** y ← relu(z + b) row-wise (relu false: z + b); z and y of one length, a multiple of b's (native/blas/bias-relu.cc). */
  biasRelu(z: Float32Array, b: Float32Array, y: Float32Array, relu: boolean): void;
  /** dz ← dy · (y > 0), the ReLU gradient from its output y; all of one length. */
  reluGrad(dy: Float32Array, y: Float32Array, dz: Float32Array): void;
  setThreads(threads: number): void;
  getThreads(): number;
  /** OpenBLAS's build string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64". */
  config(): string;
}

export const NATIVE_BLAS_PATH = fileURLToPath(new URL('../../../native/blas/build/Release/blas.node', import.meta.url));

let loaded: { blas: NativeBlas } | { error: string } | undefined;

/** The addon, or null with the reason it could not be loaded (not built, or libopenblas missing at run time). */
export function loadNativeBlas(): { blas: NativeBlas; error?: undefined } | { blas: null; error: string } {
  if (!loaded) {
    try {
      const blas = createRequire(import.meta.url)(NATIVE_BLAS_PATH) as NativeBlas;
      // An addon built from older sources lacks the newer kernels: say so rather than fail mid-training.
      const missing = (['sgemm', 'adam', 'biasRelu', 'reluGrad'] as const).filter((f) => typeof blas[f] !== 'function');
      loaded = missing.length ? { error: `the addon is out of date (no ${missing.join(', ')}): npm run build:blas` } : { blas };
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      loaded = { error: (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? `the addon is not built (${NATIVE_BLAS_PATH})` : msg };
    }
  }
  return 'blas' in loaded ? { blas: loaded.blas } : { blas: null, error: loaded.error };
}
