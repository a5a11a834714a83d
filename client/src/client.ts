/**
 * A typed client of the mat-edge API. Request and response types are the shared zod schemas' own (the ones the
 * worker validates with and documents in /openapi.json), and every answer is parsed with them, so a client and a
 * server that disagree fail loudly here rather than downstream.
 */
import type { z } from 'zod';
import {
  ErrorResponse, EvaluateRequest, EvaluateResponse, ModelDetailResponse, ModelsResponse, PredictRequest, PredictResponse,
  mergeEvaluations, summarizeEvaluation, type EvaluationStats, type EvaluationSummary,
} from '#shared';
import { batchBody, batches, inFlight, serverLimits, type Batch, type ScoreRow } from './batches.js';
import { DEFAULT_RETRY, withRetries, type RetryEvent, type RetryPolicy } from './retry.js';

export type PredictInput = z.input<typeof PredictRequest>;
export type EvaluateInput = z.input<typeof EvaluateRequest>;
export type ModelDetail = z.infer<typeof ModelDetailResponse>;
type Flagged = EvaluateResponse['flagged'][number];

export interface ClientOptions {
  /** Base URL of the worker, e.g. http://127.0.0.1:8787 */
  url: string;
  /** API key (Bearer). */
  key?: string;
  retry?: Partial<RetryPolicy>;
  onRetry?: (e: RetryEvent) => void;
  fetch?: typeof fetch;
}

/** A non-retryable error answer (or a retryable one after the last retry), in the API's error shape. */
export class ApiCallError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly issues?: { path: (string | number)[]; message: string }[]) {
    const where = issues?.length ? ` (${issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})` : '';
    super(`HTTP ${status} ${code}: ${message}${where}`);
  }
}

export interface StreamOptions {
  model?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Rows per request (default and most: the server's MAX_BATCH); fewer are sent when the body limit needs. */
  batchRows?: number;
}

export interface EvaluateStreamOptions extends StreamOptions {
  thresholds?: EvaluateInput['thresholds'];
}

export class MatEdgeClient {
  private readonly policy: RetryPolicy;
  private readonly fetchFn: typeof fetch;
  /** Retries made so far (all requests). */
  retries = 0;

  constructor(private readonly o: ClientOptions) {
    this.policy = { ...DEFAULT_RETRY, ...o.retry };
    this.fetchFn = o.fetch ?? fetch;
  }

  private async request<S extends z.ZodType>(path: string, schema: S, body?: string): Promise<z.infer<S>> {
    const headers: Record<string, string> = {};
    if (this.o.key) headers.authorization = `Bearer ${this.o.key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(path, this.o.url).toString();
    const response = await withRetries(
      () => this.fetchFn(url, { method: body === undefined ? 'GET' : 'POST', headers, body }),
      this.policy,
      (e) => {
        this.retries++;
        this.o.onRetry?.(e);
      },
    );
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiCallError(response.status, 'not_json', `${path} answered ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const error = ErrorResponse.safeParse(json);
      if (error.success) throw new ApiCallError(response.status, error.data.error.code, error.data.error.message, error.data.error.issues);
      throw new ApiCallError(response.status, 'unknown', text.slice(0, 200));
    }
    return schema.parse(json);
  }

  predict(body: PredictInput): Promise<PredictResponse> {
    return this.request('/v1/predict', PredictResponse, JSON.stringify(body));
  }

  evaluate(body: EvaluateInput): Promise<EvaluateResponse> {
    return this.request('/v1/evaluate', EvaluateResponse, JSON.stringify(body));
  }

  /** The served models with valid bundles; `active` marks the one requests without `model` get. */
  models(): Promise<z.infer<typeof ModelsResponse>> {
    return this.request('/v1/models', ModelsResponse);
  }

  /** One model's served manifest (class, group and feature names; the column roles it was trained with). */
  model(id: string): Promise<ModelDetail> {
    return this.request(`/v1/models/${encodeURIComponent(id)}`, ModelDetailResponse);
  }

  /** Predictions for a stream of rows of any length, batch by batch in input order. */
  predictStream<R extends ScoreRow>(rows: AsyncIterable<R> | Iterable<R>, o: StreamOptions = {}): AsyncGenerator<{ item: Batch<R>; result: PredictResponse }> {
    const send = (b: Batch<R>) => this.request('/v1/predict', PredictResponse, batchBody({ ...(o.model ? { model: o.model } : {}) }, b.inputsJson));
    return inFlight(batches(rows, serverLimits(o.batchRows)), send, o.concurrency ?? 4);
  }

  /**
   * /v1/evaluate over a stream of labelled rows, batch by batch in input order; each batch names its offset, so
   * flagged[].index counts in the whole stream. Merge the batches' `stats` with `EvaluationMerge`.
   */
  evaluateStream<R extends ScoreRow>(rows: AsyncIterable<R> | Iterable<R>, o: EvaluateStreamOptions = {}): AsyncGenerator<{ item: Batch<R>; result: EvaluateResponse }> {
    const send = (b: Batch<R>) => {
      const labels = b.rows.map((r, i) => {
        if (r.label === undefined) throw new RangeError(`row ${b.offset + i} has no label (needed by /v1/evaluate)`);
        return r.label;
      });
      const withGroups = b.rows.some((r) => r.group !== undefined);
      const fields = {
        ...(o.model ? { model: o.model } : {}), labels, offset: b.offset, ...(o.thresholds ? { thresholds: o.thresholds } : {}),
        ...(withGroups ? { groups: b.rows.map((r, i) => r.group ?? missingGroup(b.offset + i)) } : {}),
      };
      return this.request('/v1/evaluate', EvaluateResponse, batchBody(fields, b.inputsJson));
    };
    return inFlight(batches(rows, serverLimits(o.batchRows)), send, o.concurrency ?? 4);
  }
}

function missingGroup(index: number): never {
  throw new RangeError(`row ${index} has no group, but other rows have one (give every row a group, or none)`);
}

/**
 * The evaluation of a whole stream from its batches' /v1/evaluate answers: their sufficient statistics merged (shared
 * `mergeEvaluations`), summarized with the model's class and group names: exactly what one call over all the rows
 * would have said. Holds the statistics only, not the flagged inputs (consume those as they come).
 */
export class EvaluationMerge {
  private stats: EvaluationStats | null = null;
  model: EvaluateResponse['model'] | null = null;

  add(response: EvaluateResponse): void {
    if (this.model && (this.model.id !== response.model.id || this.model.version !== response.model.version)) {
      throw new Error(`batches were answered by ${this.model.id}@${this.model.version} and ${response.model.id}@${response.model.version}: their evaluations do not merge`);
    }
    this.model = response.model;
    this.stats = this.stats ? mergeEvaluations(this.stats, response.stats) : response.stats;
  }

  get merged(): EvaluationStats {
    if (!this.stats) throw new Error('no batch was evaluated');
    return this.stats;
  }

  summary(classNames: readonly string[], groupNames: readonly string[]): EvaluationSummary {
    return summarizeEvaluation(this.merged, classNames, groupNames);
  }
}

export type { Flagged, RetryEvent, RetryPolicy };
