import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  EvaluateRequest, EvaluateResponse, MAX_BATCH, evaluateInputs, flagReasons, summarizeEvaluation, type NameOrIndex,
} from '#shared';
import { requireBundle } from '../bundle/registry.js';
import { requireConfig, type AppEnv } from '../env.js';
import { MAX_ISSUES, invalid, type Issue } from '../errors.js';
import { inputVectors, predictVectors } from '../inference.js';
import { BEARER, errorResponses, json } from './openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/evaluate',
  operationId: 'evaluate',
  tags: ['inference'],
  summary: 'Robustness scoring of a labelled batch',
  description: `Accuracy and worst-group accuracy (true groups when given, XRM-inferred groups otherwise), score distributions, `
    + 'the share of inputs whose label conflicts with the shortcut (conflict_rate) and of predictions that go against it '
    + `(prediction_conflict_rate), and the flagged inputs, for up to ${MAX_BATCH} labelled inputs. A larger set goes in chunks: `
    + 'each chunk names the index of its first input (`offset`, so flagged[].index counts in the whole set) and its response carries '
    + "sufficient statistics (`stats`) that merge (shared mergeEvaluations, then summarizeEvaluation) into exactly what one call over all the inputs says.",
  security: BEARER,
  request: { body: { required: true, content: json(EvaluateRequest) } },
  responses: {
    200: { description: 'Metrics of the batch.', content: json(EvaluateResponse) },
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
  },
});

/** How many valid names an unknown-name issue lists. */
const SHOWN_NAMES = 8;

/**
 * Class or group references (names from the manifest or indices, mixed per element) as indices, with an issue
 * naming `[field, i]` for each unknown name or out-of-range index.
 */
export function resolveNames(values: readonly NameOrIndex[], names: readonly string[], field: string, what: string): { indices: number[]; issues: Issue[] } {
  const byName = new Map(names.map((name, k) => [name, k]));
  const shown = names.length > SHOWN_NAMES ? `${names.slice(0, SHOWN_NAMES).map((n) => JSON.stringify(n)).join(', ')}, …` : names.map((n) => JSON.stringify(n)).join(', ');
  const issues: Issue[] = [];
  const indices = values.map((v, i) => {
    const k = typeof v === 'number' ? (v < names.length ? v : undefined) : byName.get(v);
    if (k === undefined) {
      issues.push({
        path: [field, i],
        message: typeof v === 'number' ? `${what} ${v} is not below ${names.length}` : `${JSON.stringify(v)} is not a ${what} name of this model (${shown})`,
      });
    }
    return k ?? -1;
  });
  return { indices, issues };
}

export function registerEvaluate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const bundle = await requireBundle(c.env, requireConfig(c.env), body.model);
    const { classNames, groupNames } = bundle.manifest;
    const labels = resolveNames(body.labels, classNames, 'labels', 'class');
    const groupRefs = body.groups ? resolveNames(body.groups, groupNames, 'groups', 'group') : null;
    const issues = [...labels.issues, ...(groupRefs?.issues ?? [])].slice(0, MAX_ISSUES);
    if (issues.length) throw invalid(`labels or groups do not fit model ${bundle.id}`, issues);
    const groups = groupRefs?.indices;
    const { predictions, crossMistake } = await predictVectors(bundle, inputVectors(body.inputs, bundle), false, labels.indices);

    // Label-aware shortcut conflict: either held-out twin misses the given label (XRM's cross-mistake bit). With the
    // label known this finds bias-conflicting inputs far better than the label-free spurious.conflict of /v1/predict.
    const evaluated = predictions.map((prediction, i) => ({
      prediction, label: labels.indices[i], crossMistake: crossMistake(i, labels.indices[i]), ...(groups ? { group: groups[i] } : {}),
    }));
    const stats = evaluateInputs(evaluated, classNames.length, groups ? groupNames.length : null, bundle.tables.probe !== null || bundle.tables.intervention !== null);
    const { true_groups: _t, inferred_groups: _i, ...summary } = summarizeEvaluation(stats, classNames, groupNames);
    const flagged = evaluated.flatMap((e, i) => {
      const reasons = flagReasons(e, body.thresholds);
      const p = e.prediction;
      return reasons.length
        ? [{
          index: body.offset + i, label: e.label, predicted: p.label, reasons,
          memorization: p.memorization.score, reliance: p.spurious.reliance,
          counterfactual_change: p.spurious.counterfactual_change, flip: p.spurious.flip, flip_probability: p.spurious.flip_probability, conflict: e.crossMistake,
        }]
        : [];
    });
    return c.json({ model: { id: bundle.id, version: bundle.version }, ...summary, flagged, stats }, 200);
  });
}
