/**
 * Retries of one HTTP request: on 429, 503 and network errors, with exponential backoff and full jitter, waiting at
 * least what a `Retry-After` header asks for.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Backoff cap of the first retry; doubles each retry (full jitter: a uniform wait in [0, cap)). */
  baseMs: number;
  /** Longest backoff between attempts (a longer Retry-After is still honoured). */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 8, baseMs: 250, maxMs: 30_000 };

/** Statuses that say "try again later" (rate limited; bundle or worker not available yet). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export interface RetryEvent {
  attempt: number;
  /** HTTP status, or null for a network error. */
  status: number | null;
  waitMs: number;
  reason: string;
}

/** Milliseconds a `Retry-After` header asks to wait (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Wait before retry `attempt` (0-based): full-jitter exponential backoff, never shorter than Retry-After asks. */
export function backoffMs(attempt: number, retryAfter: number | null, policy: RetryPolicy, random = Math.random): number {
  const jitter = random() * Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.max(retryAfter ?? 0, jitter);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `send()` until it answers something other than a retryable status, or the retries run out (then the last answer,
 * or the last network error, is returned or thrown). `onRetry` hears of every retry.
 */
export async function withRetries(
  send: () => Promise<Response>, policy: RetryPolicy, onRetry: (e: RetryEvent) => void = () => {}, random = Math.random,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let response: Response | null = null, error: unknown = null;
    try {
      response = await send();
    } catch (e) {
      error = e;
    }
    const retryable = response === null || RETRY_STATUSES.has(response.status);
    if (!retryable) return response!;
    if (attempt >= policy.retries) {
      if (response) return response;
      throw error;
    }
    const waitMs = backoffMs(attempt, response ? retryAfterMs(response.headers.get('retry-after')) : null, policy, random);
    // Read the body of the refused answer so that its connection is released before the wait.
    await response?.arrayBuffer().catch(() => undefined);
    onRetry({ attempt: attempt + 1, status: response?.status ?? null, waitMs, reason: response ? `HTTP ${response.status}` : String((error as Error)?.message ?? error) });
    await sleep(waitMs);
  }
}
