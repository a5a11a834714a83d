import { beforeAll, describe, expect, it } from 'vitest';
import { EvaluateResponse, MAX_NAME_LENGTH } from '#shared';
import { CLASS_NAMES, FEATURE_CLASS_NAMES, FEATURE_GROUP_NAMES, GROUP_NAMES } from '../fixtures/bundle/names.js';
import { call, expectError, fixture, seedR2 } from './helpers.js';

const { inputs, labels, groups } = fixture.expected;

beforeAll(seedR2);

const evaluate = async (json: object, overrides = {}) => call('/v1/evaluate', { json }, overrides);

describe('/v1/evaluate: labels and groups by name or by index', () => {
  it('answers names exactly as the indices they stand for, mixed per element', async () => {
    const byIndex = EvaluateResponse.parse(await (await evaluate({ inputs, labels, groups })).json());
    // Every other element by name: the manifest's classNames / groupNames.
    const mixedLabels = labels.map((y, i) => (i % 2 ? CLASS_NAMES[y] : y));
    const mixedGroups = groups.map((g, i) => (i % 2 ? g : GROUP_NAMES[g]));
    const res = await evaluate({ inputs, labels: mixedLabels, groups: mixedGroups });
    expect(res.status).toBe(200);
    const byName = EvaluateResponse.parse(await res.json());
    expect(byName).toEqual(byIndex);
    expect(byName.group_source).toBe('true');
    // Flagged inputs report the label as its index, whatever the request used.
    for (const f of byName.flagged) expect(f.label).toBe(labels[f.index]);
  });

  it("accepts a features bundle's own names", async () => {
    const rows = [[0.1, -0.2, 0.3, 1, 0, -1], [1, 1, 1, -1, -1, -1], [0, 0, 0, 0, 0, 0]];
    const res = await evaluate({ model: 'fixture-features', inputs: rows, labels: ['approved', 'denied', 1], groups: [FEATURE_GROUP_NAMES[0], FEATURE_GROUP_NAMES[3], 2] },
      { MODELS: 'fixture-features', ACTIVE_MODEL: 'fixture-features' });
    expect(res.status).toBe(200);
    const body = EvaluateResponse.parse(await res.json());
    expect(body.per_group.map((g) => g.name)).toEqual(FEATURE_GROUP_NAMES);
    expect(body.per_group.map((g) => g.n)).toEqual([1, 0, 1, 1]);
    expect(FEATURE_CLASS_NAMES).toEqual(['approved', 'denied']);
  });

  it('an unknown name is a 400 naming the element and listing valid names', async () => {
    const two = inputs.slice(0, 2);
    const body = await expectError(await evaluate({ inputs: two, labels: [CLASS_NAMES[0], 'digit = 5'] }), 400, 'invalid_request');
    expect(body.error.issues).toEqual([{ path: ['labels', 1], message: '"digit = 5" is not a class name of this model ("digit ≥ 5", "digit < 5")' }]);
    const groupsBody = await expectError(await evaluate({ inputs: two, labels: [0, 1], groups: ['red', 0] }), 400, 'invalid_request');
    expect(groupsBody.error.issues![0].path).toEqual(['groups', 0]);
    expect(groupsBody.error.issues![0].message).toContain('"digit ≥ 5 · red"');
    // Names are case- and space-exact: a near miss is unknown, not guessed.
    expect((await expectError(await evaluate({ inputs: two, labels: ['Digit ≥ 5', 0] }), 400, 'invalid_request')).error.issues![0].path).toEqual(['labels', 0]);
    // Another model's names are not this model's.
    expect((await expectError(await evaluate({ inputs: two, labels: ['approved', 0] }), 400, 'invalid_request')).error.issues![0].path).toEqual(['labels', 0]);
  });

  it('an index out of range is still a 400 naming it', async () => {
    const body = await expectError(await evaluate({ inputs: inputs.slice(0, 2), labels: ['digit < 5', 2] }), 400, 'invalid_request');
    expect(body.error.issues).toEqual([{ path: ['labels', 1], message: 'class 2 is not below 2' }]);
  });

  it('names are bounded: an empty or over-long string is refused before the model is consulted', async () => {
    const two = inputs.slice(0, 2);
    const long = 'x'.repeat(MAX_NAME_LENGTH + 1);
    const body = await expectError(await evaluate({ inputs: two, labels: [0, long] }), 400, 'invalid_request');
    expect(body.error.issues![0].path).toEqual(['labels', 1]);
    expect(body.error.issues![0].message).toContain(`${MAX_NAME_LENGTH}`);
    expect((await expectError(await evaluate({ inputs: two, labels: [0, 1], groups: ['', 0] }), 400, 'invalid_request')).error.issues![0].path).toEqual(['groups', 0]);
    expect((await expectError(await evaluate({ inputs: two, labels: [0, true] }), 400, 'invalid_request')).error.issues![0].path).toEqual(['labels', 1]);
  });
});
