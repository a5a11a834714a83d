import { z } from '@hono/zod-openapi';
import { MemorizationBlock, Prediction } from '#shared';

/** Inputs per demo call: the drawn digit and its colour-swapped twins. */
export const MAX_DEMO_INPUTS = 4;

// Strict like the API's request schemas: an unknown key (`explian`) is a 400 naming it, not silently dropped.
export const DemoPredictRequest = z.strictObject({
  inputs: z.array(z.array(z.number()).min(1)).min(1).max(MAX_DEMO_INPUTS)
    .meta({ description: 'Raw input vectors (e.g. a drawn digit and the same digit in the other colour).' }),
  explain: z.boolean().default(false)
    .meta({ description: "The nearest exemplars and their pixels, for models whose bundle publishes its exemplars (else ignored)." }),
}).meta({ id: 'DemoPredictRequest' });

/**
 * A public prediction: every input is scored as a new input (the neighbour estimate), never looked up among the
 * training examples, so the answer says nothing about membership (no `member`, no measured score).
 */
export const DemoPrediction = Prediction.extend({ memorization: MemorizationBlock.omit({ member: true }).meta({ id: 'DemoMemorizationBlock' }) })
  .meta({ id: 'DemoPrediction' });
export type DemoPrediction = z.infer<typeof DemoPrediction>;

export const DemoModelResult = z.object({
  id: z.string(),
  version: z.string(),
  algorithm: z.string(),
  predictions: z.array(DemoPrediction),
  exemplar_pixels: z.record(z.string(), z.string())
    .meta({ description: 'Nearest exemplar id → base64 uint8 pixels (value·255, channel-major); empty unless the bundle publishes exemplars.' }),
}).meta({ id: 'DemoModelResult' });
export type DemoModelResult = z.infer<typeof DemoModelResult>;

/** A demo model that cannot answer; the reason is for the public: it names no storage, hash or runtime detail. */
export const DemoUnavailable = z.object({ id: z.string(), reason: z.string() }).meta({ id: 'DemoUnavailable' });
export type DemoUnavailable = z.infer<typeof DemoUnavailable>;

export const DemoPredictResponse = z.object({ models: z.array(DemoModelResult), unavailable: z.array(DemoUnavailable) }).meta({ id: 'DemoPredictResponse' });
export type DemoPredictResponse = z.infer<typeof DemoPredictResponse>;

export const DemoSample = z.object({
  id: z.number().int(),
  label: z.number().int(),
  class_name: z.string(),
  group: z.string().nullable(),
  input: z.array(z.number()),
}).meta({ id: 'DemoSample' });
export type DemoSample = z.infer<typeof DemoSample>;

export const DemoSamplesResponse = z.object({ model: z.string(), items: z.array(DemoSample) }).meta({ id: 'DemoSamplesResponse' });
export type DemoSamplesResponse = z.infer<typeof DemoSamplesResponse>;
