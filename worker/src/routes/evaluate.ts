import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import {
  EvaluateRequest, EvaluateResponse, MAX_BATCH, groupedAccuracy, inferredGroupId, inferredGroupNames, quantiles,
  FlagReason,
} from '../../../shared/src/index.js';
import { requireBundle } from '../bundle/registry.js';
import { requireConfig, type AppEnv } from '../env.js';
import { invalid, type Issue } from '../errors.js';
import { inputVectors, predictVectors } from '../inference.js';
import { BEARER, errorResponses, json } from './openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/evaluate',
  tags: ['inference'],
  summary: 'Robustness scoring of a labelled batch',
  description: `Accuracy and worst-group accuracy (true groups when given, XRM-inferred groups otherwise), score distributions, `
    + 'the share of inputs whose label conflicts with the shortcut (conflict_rate) and of predictions that go against it '
    + `(prediction_conflict_rate), and the flagged inputs, for up to ${MAX_BATCH} labelled inputs.`,
  security: BEARER,
  request: { body: { required: true, content: json(EvaluateRequest) } },
  responses: {
    200: { description: 'Metrics of the batch.', content: json(EvaluateResponse) },
    ...errorResponses(400, 401, 403, 404, 413, 415, 503),
  },
});

/** Indices outside [0, limit) as issues naming `[field, i]`. */
function outOfRange(values: readonly number[], limit: number, field: string, what: string): Issue[] {
  return values.flatMap((v, i) => (v < limit ? [] : [{ path: [field, i], message: `${what} ${v} is not below ${limit}` }]));
}

function distribution(values: number[]) {
  const [p50, p95, max] = quantiles(values, [0.5, 0.95, 1]);
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, p50, p95, max };
}

export function registerEvaluate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const bundle = await requireBundle(c.env, requireConfig(c.env), body.model);
    const { classNames, groupNames } = bundle.manifest;
    const issues = [
      ...outOfRange(body.labels, classNames.length, 'labels', 'label'),
      ...(body.groups ? outOfRange(body.groups, groupNames.length, 'groups', 'group') : []),
    ];
    if (issues.length) throw invalid(`labels or groups do not fit model ${bundle.id}`, issues);
    const { predictions, crossMistake } = await predictVectors(bundle, inputVectors(body.inputs, bundle), false, body.labels);

    const correct = predictions.map((p, i) => p.label === body.labels[i]);
    // Label-aware shortcut conflict: either held-out twin misses the given label (XRM's cross-mistake bit). With the
    // label known this finds bias-conflicting inputs far better than the label-free spurious.conflict of /v1/predict.
    const conflict = body.labels.map((y, i) => crossMistake(i, y));
    // XRM's inferred group of a labelled input: its class crossed with the cross-mistake bit, the trainer's own rule.
    const grouped = body.groups
      ? groupedAccuracy(correct, body.groups, groupNames)
      : groupedAccuracy(correct, body.labels.map((y, i) => inferredGroupId(y, conflict[i])), inferredGroupNames(classNames));
    const { memorization_percentile: memThreshold, reliance: relianceThreshold, flip_probability: flipThreshold } = body.thresholds;
    const flagged = predictions.flatMap((p, i) => {
      const reasons: z.infer<typeof FlagReason>[] = [];
      if (!correct[i]) reasons.push('misclassified');
      if (p.memorization.percentile >= memThreshold) reasons.push('high_memorization');
      if (p.spurious.reliance >= relianceThreshold) reasons.push('shortcut_reliance');
      if (p.spurious.flip_probability !== null && p.spurious.flip_probability >= flipThreshold) reasons.push('shortcut_flip');
      if (conflict[i]) reasons.push('shortcut_conflict');
      return reasons.length
        ? [{
          index: i, label: body.labels[i], predicted: p.label, reasons,
          memorization: p.memorization.score, reliance: p.spurious.reliance, flip_probability: p.spurious.flip_probability, conflict: conflict[i],
        }]
        : [];
    });
    return c.json({
      model: { id: bundle.id, version: bundle.manifest.model.version },
      n: predictions.length,
      accuracy: grouped.average,
      worst_group_accuracy: grouped.worstGroup,
      group_source: body.groups ? 'true' as const : 'inferred' as const,
      per_group: grouped.perGroup,
      scores: {
        memorization: distribution(predictions.map((p) => p.memorization.score)),
        reliance: distribution(predictions.map((p) => p.spurious.reliance)),
        counterfactual_change: bundle.tables.probe ? distribution(predictions.map((p) => p.spurious.counterfactual_change ?? 0)) : null,
        twin_disagreement: distribution(predictions.map((p) => p.memorization.twin_disagreement)),
        conflict_rate: conflict.filter(Boolean).length / predictions.length,
        prediction_conflict_rate: predictions.filter((p) => p.spurious.conflict).length / predictions.length,
      },
      flagged,
    }, 200);
  });
}
