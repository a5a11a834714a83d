// tinypool's worker file: worker threads do not inherit the main thread's tsx loader (registered through its API, or
// dropped with the execArgv the pool clears), so each worker registers tsx itself and then loads the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { default: runTask } = await import('./worker.ts');
export default runTask;
