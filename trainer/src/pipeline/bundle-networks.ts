import type { XrmResult } from '../algorithms/xrm-result.js';
import type { MlpWeights, BundleNetworks } from '../model/weights.js';

export function bundleNetworks(served: MlpWeights, xrm: XrmResult): BundleNetworks {
  return { served, twinA: xrm.twinA, twinB: xrm.twinB };
}
