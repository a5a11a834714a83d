import type { z } from 'zod';
import {
  BUNDLE_FILES, Manifest, MemorizationIndex, ONNX_INPUT, ONNX_OUTPUT_NAMES, ONNX_OUTPUTS, Samples, base64ToBytes, decodeExemplars,
  servingTables, sha256Hex, type ExemplarTable, type ServingTables,
} from '../../../shared/src/index.js';
import { createSession, ort } from '../ort-session.js';
import type { BundleSource } from './source.js';

/** A verified bundle, decoded once per isolate. */
export interface LoadedBundle {
  id: string;
  manifest: Manifest;
  /** sha256 of manifest.json: a changed manifest in storage means a new bundle. */
  manifestSha256: string;
  session: ort.InferenceSession;
  /** Exemplars (whole and by label) and the counterfactual probe, as the shared scorers take them. */
  tables: ServingTables;
  /** Exemplar pixels, uint8 [count × input.dim] (image inputs only), and the row of each exemplar id. */
  exemplarPixels: Uint8Array | null;
  exemplarRow: Map<number, number>;
  /** contentHash(raw training input) → measured memorization score. */
  members: Map<string, number>;
  samples: Samples | null;
}

/** A bundle that must not be served; the message is the reason /healthz and 503s report. */
export class BundleRefused extends Error {}

const refuse = (reason: string): never => {
  throw new BundleRefused(reason);
};

function schemaReason(file: string, error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return `${file} does not match the bundle schema (${first}${error.issues.length > 3 ? `; +${error.issues.length - 3} more` : ''})`;
}

function parseJson<T>(file: string, bytes: Uint8Array, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return refuse(`${file} is not valid JSON`);
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : refuse(schemaReason(file, parsed.error));
}

/** Every file the manifest lists, each checked against its byte size and sha256. */
async function readVerified(source: BundleSource, path: string, manifest: Manifest): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  await Promise.all(manifest.files.map(async (entry) => {
    const bytes = await source.read(path, entry.path);
    if (!bytes) return refuse(`${entry.path} is listed in the manifest but missing (${source.describe(path, entry.path)})`);
    if (bytes.byteLength !== entry.bytes) return refuse(`${entry.path} has ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`);
    const digest = await sha256Hex(bytes);
    if (digest !== entry.sha256) return refuse(`${entry.path} sha256 mismatch: manifest ${entry.sha256.slice(0, 12)}…, file ${digest.slice(0, 12)}…`);
    files.set(entry.path, bytes);
  }));
  return files;
}

/** Session plus a one-row run: names, shapes and widths of all four outputs must match the manifest. */
async function openModel(bytes: Uint8Array, manifest: Manifest): Promise<ort.InferenceSession> {
  let session: ort.InferenceSession;
  try {
    session = await createSession(bytes);
  } catch (e) {
    return refuse(`${BUNDLE_FILES.model} could not be loaded by onnxruntime (${e instanceof Error ? e.message : String(e)})`);
  }
  const missing = ONNX_OUTPUT_NAMES.filter((n) => !session.outputNames.includes(n));
  if (!session.inputNames.includes(ONNX_INPUT) || missing.length)
    return refuse(`${BUNDLE_FILES.model} must read '${ONNX_INPUT}' and write ${ONNX_OUTPUT_NAMES.join(', ')} (missing: ${[...missing, ...(session.inputNames.includes(ONNX_INPUT) ? [] : [ONNX_INPUT])].join(', ')})`);
  const { dim } = manifest.input, { numClasses: K, embeddingDim: E } = manifest.architecture;
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', new Float32Array(dim), [1, dim]) });
  } catch (e) {
    return refuse(`${BUNDLE_FILES.model} fails on a [1, ${dim}] input (${e instanceof Error ? e.message : String(e)})`);
  }
  const widths: Record<string, number> = { [ONNX_OUTPUTS.logits]: K, [ONNX_OUTPUTS.embedding]: E, [ONNX_OUTPUTS.twinA]: K, [ONNX_OUTPUTS.twinB]: K };
  for (const [name, width] of Object.entries(widths)) {
    const t = out[name];
    if (t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== 1 || t.dims[1] !== width)
      refuse(`${BUNDLE_FILES.model} output '${name}' is ${t.type} [${t.dims.join(', ')}], the manifest implies float32 [1, ${width}]`);
  }
  return session;
}

/**
 * Loads and verifies one bundle: manifest schema, model id, every listed file's size and sha256, the memorization
 * index and samples against their schemas and the manifest's dimensions, and the ONNX graph's inputs and outputs.
 * Throws `BundleRefused` with the reason when any check fails; nothing of a refused bundle is ever served.
 */
export async function loadBundle(source: BundleSource, id: string, path: string): Promise<LoadedBundle> {
  const manifestBytes = await source.read(path, BUNDLE_FILES.manifest)
    ?? refuse(`no bundle: ${source.describe(path, BUNDLE_FILES.manifest)} not found`);
  const manifest = parseJson(BUNDLE_FILES.manifest, manifestBytes, Manifest);
  if (manifest.model.id !== id) refuse(`${BUNDLE_FILES.manifest} is for model "${manifest.model.id}", not "${id}"`);
  const files = await readVerified(source, path, manifest);

  const { dim } = manifest.input;
  const index = parseJson(BUNDLE_FILES.memorization, files.get(BUNDLE_FILES.memorization)!, MemorizationIndex);
  if (index.exemplars.count > 0 && index.exemplars.embeddingDim !== manifest.architecture.embeddingDim)
    refuse(`${BUNDLE_FILES.memorization} exemplars have embeddingDim ${index.exemplars.embeddingDim}, the model's embedding is ${manifest.architecture.embeddingDim}`);
  let exemplars: ExemplarTable;
  try {
    exemplars = decodeExemplars(index.exemplars);
  } catch (e) {
    return refuse(`${BUNDLE_FILES.memorization}: ${(e as Error).message}`);
  }
  const probe = manifest.scores.counterfactualProbe;
  if (probe && (manifest.classNames.length !== 2 || probe.embeddingDim !== manifest.architecture.embeddingDim))
    refuse(`${BUNDLE_FILES.manifest}: the counterfactual probe needs 2 classes and embeddingDim ${manifest.architecture.embeddingDim}`);
  let tables: ServingTables;
  try {
    tables = servingTables(exemplars, manifest.classNames.length, probe);
  } catch (e) {
    return refuse(`${BUNDLE_FILES.manifest}: ${(e as Error).message}`);
  }
  const exemplarPixels = index.exemplars.inputs === null ? null : base64ToBytes(index.exemplars.inputs);
  if (exemplarPixels && exemplarPixels.length !== exemplars.count * dim)
    refuse(`${BUNDLE_FILES.memorization} exemplar inputs hold ${exemplarPixels.length} bytes, expected ${exemplars.count}×${dim}`);

  const samplesBytes = files.get(BUNDLE_FILES.samples);
  const samples = samplesBytes ? parseJson(BUNDLE_FILES.samples, samplesBytes, Samples) : null;
  const badSample = samples?.items.findIndex((s) => s.input.length !== dim || s.label >= manifest.classNames.length) ?? -1;
  if (badSample >= 0) refuse(`${BUNDLE_FILES.samples} item ${badSample} needs ${dim} inputs and a label below ${manifest.classNames.length}`);

  const session = await openModel(files.get(BUNDLE_FILES.model)!, manifest);
  return {
    id,
    manifest,
    manifestSha256: await sha256Hex(manifestBytes),
    session,
    tables,
    exemplarPixels,
    exemplarRow: new Map(exemplars.ids.map((exemplarId, row) => [exemplarId, row])),
    members: new Map(Object.entries(index.members)),
    samples,
  };
}
