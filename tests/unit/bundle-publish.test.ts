import { describe, expect, it } from 'vitest';
import { bundlePublish, defaultPublish } from '#shared';

describe('what the public demo may show of a bundle', () => {
  it('defaults to published for the built-in data and to unpublished for a user\'s own', () => {
    for (const name of ['colored-mnist', 'colored-mnist:inverse', 'synthetic:0.5', 'synthetic'])
      expect(defaultPublish(name), name).toEqual({ samples: true, exemplars: true });
    for (const name of ['csv:toy-train.csv', 'jsonl:patients.jsonl', 'synthetic-lookalike.csv', 'my-colored-data'])
      expect(defaultPublish(name), name).toEqual({ samples: false, exemplars: false });
  });

  it('reads the manifest field when present, the data default for older bundles without it', () => {
    expect(bundlePublish({ dataset: { name: 'colored-mnist' } })).toEqual({ samples: true, exemplars: true });
    expect(bundlePublish({ dataset: { name: 'csv:x.csv' } })).toEqual({ samples: false, exemplars: false });
    expect(bundlePublish({ dataset: { name: 'colored-mnist' }, publish: { samples: false, exemplars: true } })).toEqual({ samples: false, exemplars: true });
    expect(bundlePublish({ dataset: { name: 'csv:x.csv' }, publish: { samples: true, exemplars: true } })).toEqual({ samples: true, exemplars: true });
  });
});
