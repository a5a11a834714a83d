/**
 * How requests and storage name a model version: `id` (the active version) or `id@version` (that version exactly);
 * published versions live under `<model-id>/<version>/` in the bundle store (docs/design.md "Versions").
 */

/** A model id: what `MODELS` lists and a manifest's `model.id` holds. */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A published version: one path segment of storage keys, so no `/`, no `..`, nothing a URL or a shell would bend. */
export const MODEL_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `id` or `id@version`, as the request field `model` takes it. */
export const MODEL_REF_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}(@[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/;

export interface ModelRef {
  id: string;
  /** null: the active version. */
  version: string | null;
}

/** Splits a reference that matched MODEL_REF_PATTERN. */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.indexOf('@');
  return at < 0 ? { id: ref, version: null } : { id: ref.slice(0, at), version: ref.slice(at + 1) };
}

/** `id` or `id@version`, for messages. */
export const formatModelRef = ({ id, version }: ModelRef): string => (version === null ? id : `${id}@${version}`);

/** Storage prefix of one published version of a model whose bundles live under `prefix` (its id by default). */
export const versionPrefix = (prefix: string, version: string): string => `${prefix}/${version}`;
