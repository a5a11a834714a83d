import { describe, expect, it } from 'vitest';
import { MAX_INPUT_DIM, MAX_NAME_LENGTH } from '#shared';
import { firstPassIssues, scanJsonText } from '../../worker/src/first-pass.js';

describe('scanJsonText: bounds checked on the raw text, before JSON.parse', () => {
  it('counts the values of each array to its end and names its path', () => {
    expect(scanJsonText('{"inputs":[[1,2,3],[1,2]]}', 10, 3)).toBeNull();
    expect(scanJsonText('{"inputs":[[1,2,3],[1,2,3,4,5]]}', 10, 3)).toEqual({ path: ['inputs', 1], message: 'at most 3 values, got 5' });
    expect(scanJsonText('{"a":1,"inputs":[{"features":[1,2,3,4]}]}', 10, 3)).toEqual({ path: ['inputs', 0, 'features'], message: 'at most 3 values, got 4' });
    expect(scanJsonText('[1,[2,3,4,5,6],7]', 4, 3)).toEqual({ path: [1], message: 'at most 3 values, got 5' });
  });

  it('limits arrays and objects in all, and the nesting depth', () => {
    expect(scanJsonText('{"inputs":[{},{},{},{}]}', 4, 30)).toEqual({ path: ['inputs'], message: 'a request holds at most 4 arrays and objects' });
    expect(scanJsonText('{"inputs":[[[[[[[[[[]]]]]]]]]]}', 40, 30)).toEqual({ path: ['inputs', 0, 0, 0, 0, 0, 0, 0], message: 'nested deeper than 8 levels' });
  });

  it('limits the keys of an object', () => {
    const wide = `{"thresholds":{${Array.from({ length: 65 }, (_, i) => `"k${i}":0`).join(',')}}}`;
    expect(scanJsonText(wide, 10, 10)).toEqual({ path: ['thresholds'], message: 'an object holds at most 64 keys' });
    expect(scanJsonText(wide.replace(',"k64":0', ''), 10, 10)).toBeNull();
  });

  it('ignores brackets and commas inside strings, escaped quotes included', () => {
    expect(scanJsonText('{"in\\"p,[uts":[",,,,[[[{{{",1]}', 4, 3)).toBeNull();
  });
});

describe('firstPassIssues: batch size, row length and element types of the parsed body', () => {
  const bounds = { maxBatch: 3, dim: 2, model: 'm' };

  it('names the row and the expected length', () => {
    expect(firstPassIssues({ inputs: [[0, 1], [0], { features: [1, 2, 3] }] }, bounds)).toEqual([
      { path: ['inputs', 1], message: 'must have 2 values (model m), got 1' },
      { path: ['inputs', 2, 'features'], message: 'must have 2 values (model m), got 3' },
    ]);
    expect(firstPassIssues({ inputs: [[0, 1], [0, 1], [0, 1], [0, 1]] }, bounds)).toEqual([{ path: ['inputs'], message: 'at most 3 inputs, got 4' }]);
  });

  it('the first element that is not a finite number, one issue per row', () => {
    expect(firstPassIssues({ inputs: [[0, 'a'], [Infinity, null]] }, bounds)).toEqual([
      { path: ['inputs', 0, 1], message: 'expected a number, got string' },
      { path: ['inputs', 1, 0], message: 'expected a finite number, got Infinity' },
    ]);
  });

  it('without a known input.dim, rows are held to the hard cap', () => {
    expect(firstPassIssues({ inputs: [new Array(MAX_INPUT_DIM + 1).fill(0)] }, { maxBatch: 3, dim: null })).toEqual([
      { path: ['inputs', 0], message: `at most ${MAX_INPUT_DIM} values, got ${MAX_INPUT_DIM + 1}` },
    ]);
    expect(firstPassIssues({ inputs: [[0, 1, 2]] }, { maxBatch: 3, dim: null })).toEqual([]);
  });

  it('labels and groups: length, and non-negative integers or short names', () => {
    expect(firstPassIssues({ labels: [0, 1, 2, 3] }, bounds)).toEqual([{ path: ['labels'], message: 'at most 3 values, got 4' }]);
    const expected = (what: string) => `expected a non-negative integer or a name of 1 to ${MAX_NAME_LENGTH} characters, got ${what}`;
    expect(firstPassIssues({ groups: [0, -1] }, bounds)).toEqual([{ path: ['groups', 1], message: expected('-1') }]);
    // Names pass (they are matched against the model's names later), mixed with indices; long or empty ones do not.
    expect(firstPassIssues({ labels: ['approved', 1, 'x'.repeat(MAX_NAME_LENGTH)] }, bounds)).toEqual([]);
    expect(firstPassIssues({ labels: ['approved', 'x'.repeat(MAX_NAME_LENGTH + 1)] }, bounds))
      .toEqual([{ path: ['labels', 1], message: expected(`a string of ${MAX_NAME_LENGTH + 1} characters`) }]);
    expect(firstPassIssues({ groups: [''] }, bounds)).toEqual([{ path: ['groups', 0], message: expected('a string of 0 characters') }]);
    expect(firstPassIssues({ labels: [{ name: 'a' }] }, bounds)).toEqual([{ path: ['labels', 0], message: expected('object') }]);
  });

  it('leaves shapes it does not know to zod', () => {
    expect(firstPassIssues('x', bounds)).toEqual([]);
    expect(firstPassIssues({ inputs: 'x' }, bounds)).toEqual([]);
    expect(firstPassIssues({ inputs: ['seven', { other: 1 }] }, bounds)).toEqual([]);
  });
});
