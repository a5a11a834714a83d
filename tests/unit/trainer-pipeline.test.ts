import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUANTILE_LEVELS, quantiles } from '#shared';
import { COLOUR_SWAP } from '../../trainer/src/data/colored-mnist.js';
import { readBundle, type ReadBundle } from '../../trainer/src/bundle/read.js';
import { evaluateBundle, type EvaluateResult } from '../../trainer/src/cli/evaluate-command.js';
import { renderBundleReport } from '../../trainer/src/cli/report-command.js';
import { loadDataset, parseDataFlag } from '../../trainer/src/data/index.js';
import { silentProgress } from '../../trainer/src/pipeline/progress.js';
import { trainPipeline, type TrainOptions, type TrainSummary } from '../../trainer/src/pipeline/train.js';

const LIMIT = 1000;
const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'trainer/src/cli/index.ts'];
const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-pipeline-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function train(out: string, extra: Partial<TrainOptions> = {}): Promise<TrainSummary> {
  const data = await loadDataset(parseDataFlag('colored-mnist', { limit: { train: LIMIT, val: LIMIT, test: LIMIT } }));
  const options: TrainOptions = {
    data, algorithms: ['erm', 'mat'], bundles: ['mat', 'erm'], sweep: 1, seed: 0, backend: 'wasm', selection: 'auto',
    out: path.join(root, out), tag: 'cmnist', memorization: { pairs: 1, epochs: 1 }, exemplars: 64, steps: 60, progress: silentProgress, ...extra,
  };
  return trainPipeline(options);
}

describe('trainPipeline on Colored MNIST (1000 per split, 60 steps) → bundles → evaluate / report', () => {
  let first: TrainSummary, second: TrainSummary;
  const bundles: Record<string, ReadBundle> = {};
  beforeAll(async () => {
    first = await train('a');
    second = await train('b', { publishSamples: false });
    for (const b of first.bundles) bundles[b.algorithm] = await readBundle(b.dir);
  }, 120_000);

  it('writes bundles that pass readBundle (schema, sizes, sha256) with the expected files', () => {
    expect(first.bundles.map((b) => b.manifest.model.id)).toEqual(['mat-cmnist', 'erm-cmnist']);
    for (const b of Object.values(bundles)) {
      expect([...b.files.keys()].sort()).toEqual(['memorization.json', 'model.onnx', 'report.html', 'report.json', 'samples.json']);
      expect(b.manifest.dataset).toEqual({ name: 'colored-mnist', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), numTrain: LIMIT, numVal: LIMIT, numTest: LIMIT });
    }
  });

  it("has manifest metrics in range, consistent per group, and MAT's worst group above ERM's", () => {
    for (const b of Object.values(bundles)) {
      const m = b.manifest;
      expect(m.training.selectedStep).toBeLessThanOrEqual(60);
      expect(m.training.selection.metric).toBe('va_wga');
      for (const split of ['val', 'test'] as const) {
        const s = m.metrics[split];
        expect(s.n).toBe(LIMIT);
        for (const g of [s.trueGroups!, s.inferredGroups!]) {
          expect(g.perGroup.reduce((acc, p) => acc + p.n, 0)).toBe(LIMIT);
          expect(g.average).toBeGreaterThanOrEqual(0);
          expect(g.average).toBeLessThanOrEqual(1);
          expect(g.worstGroup).toBeLessThanOrEqual(g.average);
          expect(g.worstGroup).toBe(Math.min(...g.perGroup.filter((p) => p.n > 0).map((p) => p.accuracy!)));
          const hits = g.perGroup.reduce((acc, p) => acc + p.n * (p.accuracy ?? 0), 0);
          expect(hits / LIMIT).toBeCloseTo(g.average, 9);
        }
        expect(m.metrics[split].trueGroups!.perGroup).toHaveLength(4);
      }
      expect(m.training.selection.value).toBe(m.metrics.val.trueGroups!.worstGroup);
    }
    expect(bundles.mat.manifest.metrics.test.trueGroups!.worstGroup).toBeGreaterThan(bundles.erm.manifest.metrics.test.trueGroups!.worstGroup);
  });

  it('has a row-stochastic K×K calibration matrix and class priors that sum to 1', () => {
    for (const b of Object.values(bundles)) {
      const { matrix, classPriors } = b.manifest.calibration;
      expect(matrix).toHaveLength(2);
      for (const row of matrix) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
      expect(classPriors.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
    }
  });

  it('has one membership entry per training example and the requested exemplars', () => {
    for (const b of Object.values(bundles)) {
      const scores = Object.values(b.memorization.members);
      expect(scores).toHaveLength(LIMIT);
      expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
      // A member's percentile is read off the measured scores of the whole training set (its own estimator's scale).
      expect(b.manifest.scores.quantiles.measuredMemorization).toEqual(quantiles(scores, QUANTILE_LEVELS));
      expect(b.memorization.exemplars.count).toBe(64);
      expect(new Set(b.memorization.exemplars.ids).size).toBe(64);
      expect(b.manifest.memorization.trainingExamples).toBe(LIMIT);
      // The label-free estimate its validation quantiles were measured with (older bundles lack `estimator`: nearest).
      expect(b.manifest.scores.neighbours).toEqual({ k: 10, temperature: 0.02, estimator: 'expected_label' });
    }
  });

  it('declares the colour swap as its intervention (no probe) and stores the label-aware and counterfactual quantiles', () => {
    for (const b of Object.values(bundles)) {
      const { scores } = b.manifest;
      expect(b.manifest.intervention).toEqual(COLOUR_SWAP);
      expect(scores.counterfactualProbe ?? null).toBeNull();
      for (const q of [scores.quantiles.labelledMemorization!, scores.quantiles.counterfactualChange!]) {
        expect(q).toHaveLength(scores.quantileLevels.length);
        expect(q.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= q[i - 1]))).toBe(true);
      }
      // The change is the model's own: some validation inputs move, and not every one by the same amount.
      const q = scores.quantiles.counterfactualChange!;
      expect(q[q.length - 1]).toBeGreaterThan(q[0]);
    }
  });

  it("records whether the demo may publish samples and exemplars: on by default for built-in data, off when told", async () => {
    for (const b of first.bundles) expect((await readBundle(b.dir)).manifest.publish).toEqual({ samples: true, exemplars: true });
    for (const b of second.bundles) expect((await readBundle(b.dir)).manifest.publish).toEqual({ samples: false, exemplars: false });
  });

  it('is reproducible: the same seed gives identical metrics and identical model.onnx', async () => {
    expect(second.results).toEqual(first.results);
    for (const [i, b] of first.bundles.entries()) {
      const again = await readBundle(second.bundles[i].dir);
      expect(again.manifest.metrics).toEqual(b.manifest.metrics);
      expect(again.manifest.calibration).toEqual(b.manifest.calibration);
      expect(again.manifest.files.find((f) => f.path === 'model.onnx')).toEqual(b.manifest.files.find((f) => f.path === 'model.onnx'));
    }
  });

  describe('evaluate (model.onnx in onnxruntime-web) reproduces the manifest exactly', () => {
    const results: Record<string, EvaluateResult> = {};
    for (const algorithm of ['mat', 'erm']) {
      for (const split of ['test', 'val'] as const) {
        it(`${algorithm} on ${split}: average, worst group and every group, true and XRM-inferred`, async () => {
          const dir = first.bundles.find((b) => b.algorithm === algorithm)!.dir;
          const r = await evaluateBundle(dir, { split, limit: LIMIT });
          if (split === 'test') results[algorithm] = r;
          const m = bundles[algorithm].manifest.metrics[split];
          expect(r.n).toBe(LIMIT);
          expect(r.group_source).toBe('true');
          expect(r.accuracy).toBe(m.trueGroups!.average);
          expect(r.worst_group_accuracy).toBe(m.trueGroups!.worstGroup);
          expect(r.true_groups).toEqual(m.trueGroups);
          expect(r.inferred_groups).toEqual(m.inferredGroups);
          for (const s of [r.scores.memorization, r.scores.reliance, r.scores.twin_disagreement]) {
            expect(s.p50).toBeLessThanOrEqual(s.p95);
            expect(Number.isFinite(s.mean)).toBe(true);
          }
          expect(r.scores.members).toBe(0); // test and validation images are not training examples
          // Labels against the shortcut are the XRM-inferred conflict groups (odd ids 2·y + 1).
          expect(r.scores.conflict_rate).toBeCloseTo(r.inferred_groups.perGroup.filter((g) => g.group % 2 === 1).reduce((s, g) => s + g.n, 0) / LIMIT, 12);
          expect(r.scores.prediction_conflict_rate).toBeGreaterThanOrEqual(0);
        });
      }
    }

    it('ERM relies on the shortcut more than MAT (mean reliance)', () => {
      expect(results.erm.scores.reliance.mean).toBeGreaterThan(results.mat.scores.reliance.mean);
    });

    it('the CLI verb prints the same result as JSON', async () => {
      const dir = first.bundles[0].dir;
      const { stdout } = await run(process.execPath, [...CLI, 'evaluate', dir, '--limit', String(LIMIT), '--json']);
      expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(results.mat)));
    });
  });

  it('report re-renders report.html from report.json beside the bundle, leaving the bundle untouched', async () => {
    const dir = first.bundles[0].dir;
    const before = await readdir(dir);
    const { stdout } = await run(process.execPath, [...CLI, 'report', dir]);
    const out = stdout.trim();
    expect(out).toBe(`${path.resolve(dir)}-report.html`);
    expect(await readFile(out)).toEqual(Buffer.from(bundles.mat.files.get('report.html')!));
    expect(await readdir(dir)).toEqual(before);
    await readBundle(dir);
    const custom = path.join(root, 'custom', 'r.html');
    expect(await renderBundleReport(dir, custom)).toBe(custom);
    expect((await readFile(custom, 'utf8')).startsWith('<!doctype html>')).toBe(true);
  });
});
