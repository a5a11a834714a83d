import { describe, expect, it } from 'vitest';
import { DataSpec, loadDataset, parseDataFlag } from '../../trainer/src/data/index.js';

describe('parseDataFlag', () => {
  it('reads built-in sources with defaults', () => {
    expect(parseDataFlag('colored-mnist')).toEqual({ kind: 'colored-mnist', variant: 'default', source: 'mnist', seed: 0 });
    expect(parseDataFlag('colored-mnist:inverse', { seed: 3 })).toMatchObject({ variant: 'inverse', seed: 3 });
    expect(parseDataFlag('colored-fashion-mnist:v3')).toMatchObject({ source: 'fashion-mnist', variant: 'v3' });
    expect(parseDataFlag('synthetic')).toEqual({ kind: 'synthetic', noiseStd: 0.5, seed: 1234 });
    expect(parseDataFlag('synthetic:0.25')).toMatchObject({ noiseStd: 0.25 });
  });

  it('reads user files, with CLI options merged and undefined options ignored', () => {
    expect(parseDataFlag('csv:data/a:b.csv', { labelColumn: 'y', attributeColumn: 'place', groupColumn: undefined })).toEqual({
      kind: 'csv', train: 'data/a:b.csv', labelColumn: 'y', attributeColumn: 'place', seed: 0, fractions: { train: 0.6, val: 0.2, test: 0.2 },
    });
    expect(parseDataFlag('runs/x.JSONL', { val: 'v.jsonl' })).toMatchObject({ kind: 'jsonl', train: 'runs/x.JSONL', val: 'v.jsonl' });
  });

  it('rejects unknown sources, bad values and options that do not apply', () => {
    expect(() => parseDataFlag('cifar10')).toThrow(/unknown data source "cifar10"; expected colored-mnist/);
    expect(() => parseDataFlag('colored-mnist:purple')).toThrow(/invalid data spec "colored-mnist:purple"[\s\S]*variant/);
    expect(() => parseDataFlag('synthetic:abc')).toThrow(/noiseStd/);
    expect(() => parseDataFlag('colored-mnist', { labelColumn: 'y' })).toThrow(/labelColumn/);
    expect(() => parseDataFlag('csv:a.csv', { labelColumn: 'g', groupColumn: 'g' })).toThrow(/must be different columns/);
    expect(() => parseDataFlag('csv:a.csv', { fractions: { train: 0.5, val: 0.2, test: 0.2 } })).toThrow(/sum to 1/);
  });

  it('produces what DataSpec accepts', () => {
    expect(DataSpec.parse(parseDataFlag('colored-mnist:mcolor'))).toEqual(parseDataFlag('colored-mnist:mcolor'));
  });
});

describe('loadDataset', () => {
  it('dispatches on kind and checks the spec first', async () => {
    const ds = await loadDataset({ kind: 'colored-mnist', variant: 'inverse', limit: { train: 10, val: 10, test: 10 } });
    expect([ds.name, ds.train.n]).toEqual(['colored-mnist:inverse', 10]);
    await expect(loadDataset({ kind: 'synthetic', noiseStd: -1 })).rejects.toThrow(/invalid data spec/);
  });
});
