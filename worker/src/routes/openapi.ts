import { ErrorResponse } from '#shared';

const descriptions = {
  400: 'Invalid request: the issues name the offending paths.',
  401: 'No `Authorization: Bearer <key>` header.',
  403: 'The API key is not valid.',
  404: 'Unknown model, or a version (`id@version`) that is not published.',
  409: 'The pinned version (`id@version`) failed verification and is never served.',
  413: 'Request body larger than the documented limit.',
  415: 'Body is not JSON.',
  429: 'Rate limit of the public demo exceeded.',
  503: 'No valid bundle is loaded for the model (the message says why).',
} as const;

export const json = <T>(schema: T) => ({ 'application/json': { schema } });

type ErrorContent = { description: string; content: ReturnType<typeof json<typeof ErrorResponse>> };

/** The documented error responses of a route, all in the one error shape. */
export function errorResponses<S extends keyof typeof descriptions>(...statuses: S[]): Record<S, ErrorContent> {
  const out = {} as Record<S, ErrorContent>;
  for (const s of statuses) out[s] = { description: descriptions[s], content: json(ErrorResponse) };
  return out;
}

export const BEARER = [{ bearer: [] }];
