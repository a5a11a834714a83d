import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_DIM, PredictResponse } from '#shared';
import { worstBodies } from './fuzz-cases.js';
import { call, expectError, fixture, seedR2 } from './helpers.js';

beforeAll(seedR2);

const D = fixture.dim;
const { expected } = fixture;
const good = expected.inputs[0];
const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** The worst bodies of issue 10 (~450 KB row of 150,000 invalid elements; 4 MiB single rows; 1.4M rows; deep nesting). */
const worst = worstBodies();

const routes = [
  { path: '/v1/predict', extra: '' },
  { path: '/v1/evaluate', extra: ',"labels":[0]' },
  { path: '/demo/predict', extra: '' },
];

let ip = 0;
const send = (path: string, body: string) => call(path, { body, headers: JSON_HEADERS, ip: `10.77.${(ip++ >> 8) & 255}.${ip & 255}` });

describe('the first pass bounds the work before element-wise validation', () => {
  for (const { path, extra } of routes) {
    it(`${path}: the worst bodies get a 400 in the error shape, naming the field and the expected length`, async () => {
      for (const [text, got] of [[worst.invalidRow, 150_000], [worst.longInvalidRow, 1_398_081], [worst.longRow, 2_097_121]] as const) {
        const body = await expectError(await send(path, text.replace(/]]}$/, `]]${extra}}`)), 400, 'invalid_request');
        expect(body.error.issues).toEqual([{ path: ['inputs', 0], message: `at most ${MAX_INPUT_DIM} values, got ${got}` }]);
      }
      const many = await expectError(await send(path, worst.manyRows), 400, 'invalid_request');
      expect(many.error.issues).toEqual([{ path: ['inputs'], message: expect.stringMatching(/^a request holds at most \d+ arrays and objects$/) }]);
      const deep = await expectError(await send(path, worst.deepNesting), 400, 'invalid_request');
      expect(deep.error.issues).toEqual([{ path: ['inputs', 0, 0, 0, 0, 0, 0, 0], message: 'nested deeper than 8 levels' }]);
      const wide = await expectError(await send(path, worst.wideObject), 400, 'invalid_request');
      expect(wide.error.issues).toEqual([{ path: [], message: 'an object holds at most 64 keys' }]);
    });

    it(`${path}: a row of the wrong length below the hard cap names the model's input.dim`, async () => {
      const body = await expectError(await send(path, `{"inputs":[${JSON.stringify(good)},[${'"",'.repeat(40_000)}""]]${extra}}`), 400, 'invalid_request');
      expect(body.error.issues).toEqual([{ path: ['inputs', 1], message: `must have ${D} values (model fixture-mat), got 40001` }]);
    });
  }

  it('a full batch of wrong-typed rows: at most one issue per row, 20 in all', async () => {
    const row = `[${new Array(D).fill('"x"').join(',')}]`;
    const body = await expectError(await send('/v1/predict', `{"inputs":[${new Array(256).fill(row).join(',')}]}`), 400, 'invalid_request');
    expect(body.error.issues).toHaveLength(20);
    expect(body.error.issues![3]).toEqual({ path: ['inputs', 3, 0], message: 'expected a number, got string' });
  });

  it('labels and groups are bounded like the inputs', async () => {
    const labels = `[${'"a",'.repeat(500_000)}"a"]`;
    const body = await expectError(await send('/v1/evaluate', `{"inputs":[${JSON.stringify(good)}],"labels":${labels}}`), 400, 'invalid_request');
    expect(body.error.issues).toEqual([{ path: ['labels'], message: `at most ${MAX_INPUT_DIM} values, got 500001` }]);
    const over = await expectError(await send('/v1/evaluate', `{"inputs":[${JSON.stringify(good)}],"labels":[${'0,'.repeat(300)}0]}`), 400, 'invalid_request');
    expect(over.error.issues).toEqual([{ path: ['labels'], message: 'at most 256 values, got 301' }]);
  });

  it('an unknown model holds rows to the hard cap only, and still gets its 404', async () => {
    await expectError(await call('/v1/predict', { json: { model: 'no-such-model', inputs: [good.slice(1)] } }), 404, 'not_found');
  });

  it('1e309 (Infinity once parsed) is a 400 naming the element, on every route', async () => {
    const row = `[1e309${',0'.repeat(D - 1)}]`;
    for (const { path, extra } of routes) {
      const body = await expectError(await send(path, `{"inputs":[${row}]${extra}}`), 400, 'invalid_request');
      expect(body.error.issues?.[0]).toEqual({ path: ['inputs', 0, 0], message: 'expected a finite number, got Infinity' });
    }
  });
});

describe('strict request schemas: an unknown key is a 400 naming it', () => {
  it('top level, {features} rows and thresholds', async () => {
    const cases: [string, unknown, (string | number)[]][] = [
      ['/v1/predict', { inputs: [good], explian: true }, ['explian']],
      ['/v1/predict', { inputs: [{ features: good, label: 1 }] }, ['inputs', 0, 'label']],
      ['/v1/evaluate', { inputs: [good], labels: [0], group: [0] }, ['group']],
      ['/v1/evaluate', { inputs: [good], labels: [0], thresholds: { reliance: 0.5, memorisation_percentile: 0.9 } }, ['thresholds', 'memorisation_percentile']],
    ];
    for (const [path, json, at] of cases) {
      const body = await expectError(await call(path, { json }), 400, 'invalid_request');
      expect(body.error.issues).toContainEqual({ path: at, message: `unknown key "${at.at(-1)}"` });
    }
  });

  it('the valid body without the typo is still answered', async () => {
    const res = await call('/v1/predict', { json: { inputs: [good], explain: true } });
    expect(res.status).toBe(200);
    expect(PredictResponse.parse(await res.json()).predictions[0].memorization.nearest).toBeDefined();
  });
});

describe('membership on canonical values', () => {
  it('a training member sent with -0 for its zeros is still found, with its measured score', async () => {
    const i = expected.member.indexOf(true);
    const member = expected.inputs[i];
    expect(member.filter((v) => v === 0).length).toBeGreaterThan(0);
    // JSON.stringify writes -0 as 0: the body is written by hand.
    const text = `{"inputs":[[${member.map((v) => (v === 0 ? '-0' : String(v))).join(',')}]]}`;
    const res = await call('/v1/predict', { body: text, headers: JSON_HEADERS });
    expect(res.status).toBe(200);
    const [p] = PredictResponse.parse(await res.json()).predictions;
    expect(p.memorization).toMatchObject({ member: true, estimator: 'measured', score: expected.predictions[i].memorization.score });
  });
});
