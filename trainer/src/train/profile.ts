import type { TrainingProfile } from '../algorithms/types.js';
import type { Dataset } from '../data/types.js';

/** Network, optimiser and step budget per kind of data (docs/method.md §1.7, §2.5, §4.1). */
export function profileFor(data: Dataset): TrainingProfile {
  if (data.name.startsWith('synthetic')) {
    // The paper's interpretable experiment: a bias-free linear map, full-batch SGD, 1000 steps.
    return { name: 'synthetic-linear', hidden: [], bias: false, init: 'torch-default', optimizer: 'sgd', steps: 1000, checkpointFreq: 50, fullBatch: true };
  }
  if (data.name.startsWith('colored-mnist')) {
    return { name: 'colored-mnist-mlp', hidden: [390, 390], bias: true, init: 'xavier', optimizer: 'adam', steps: 1001, checkpointFreq: 50, fullBatch: false };
  }
  return { name: 'features-mlp', hidden: [256], bias: true, init: 'xavier', optimizer: 'adam', steps: 1001, checkpointFreq: 50, fullBatch: false };
}
