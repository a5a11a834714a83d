// The evaluate pipeline's worker thread: threads do not inherit the main thread's tsx loader (registered through its
// API), so this one registers tsx itself and then loads the TypeScript half (as trainer/src/pool/worker-entry.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./evaluation-thread.ts');
