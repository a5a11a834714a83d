/** The demo's two public calls, typed by the worker's own response schemas. */
import type { DemoPredictResponse, DemoSamplesResponse } from '../schema.js';

/** The body's error message (the worker's one error shape) or the status text. */
async function answer<T>(res: Response): Promise<T> {
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? res.statusText);
  return body as T;
}

export const fetchSamples = async (): Promise<DemoSamplesResponse> => answer(await fetch('/demo/samples'));

/** Every demo model on the same inputs; `explain` asks for the nearest exemplars where the bundle publishes them. */
export const fetchPredictions = async (inputs: number[][]): Promise<DemoPredictResponse> => answer(await fetch('/demo/predict', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ inputs, explain: true }),
}));
