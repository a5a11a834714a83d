/**
 * The one bundle verifier: the trainer's reader and the worker's loader both call `verifyBundle`, so a bundle the
 * trainer accepts is exactly a bundle the worker serves. Pure: storage, sha256 and the ONNX runtime come in as
 * functions, so this module does no I/O and imports no runtime.
 */
import type { z } from 'zod';
import { base64ToBytes } from './base64.js';
import { BUNDLE_FILES, ONNX_EXEMPLAR_DOT, ONNX_INPUT, ONNX_OUTPUTS, ONNX_OUTPUT_NAMES } from './layout.js';
import { Manifest, Samples, type MemorizationIndex } from './manifest.js';
import { parseMemorizationIndex } from './memorization-index.js';
import { MembershipIndex } from './membership.js';
import { servingTables, type ServingTables } from './predict.js';
import { prepareIntervention } from './intervention.js';
import { preprocess } from './preprocess.js';
import { decodeExemplars, type ExemplarTable } from './scores.js';

/** A bundle that must not be used: `file` is the bundle file at fault, `reason` says why (operator-facing). */
export class BundleRefused extends Error {
  override readonly name = 'BundleRefused';
  /** model.version of the refused bundle, once its manifest parsed. */
  version: string | null = null;

  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
  }
}

const refuse = (file: string, reason: string): never => {
  throw new BundleRefused(file, reason);
};

/** One output tensor as a runtime reports it (onnxruntime's Tensor fits). */
export interface GraphOutput {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/** model.onnx opened by the caller's runtime. */
export interface BundleGraph {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs input `x` [rows × dim] (row-major float32) and returns every output by name. */
  run(x: Float32Array, rows: number, dim: number): Promise<Record<string, GraphOutput>>;
  /** Frees the runtime's memory; called here when the graph fails a check. */
  release?(): Promise<void>;
}

export interface VerifyOptions<G extends BundleGraph> {
  /** A bundle file's bytes, or null when it does not exist (storage errors are thrown as they are, not refusals). */
  read(file: string): Promise<Uint8Array | null>;
  /** Where a file lives, for "not found" reasons (`r2://…`, a folder). */
  where?(file: string): string;
  /** Lowercase hex sha256 of the bytes. */
  sha256(bytes: Uint8Array): Promise<string>;
  /** Opens model.onnx; omitted, the graph is not checked (and `graph` is null). */
  openGraph?(bytes: Uint8Array): Promise<G>;
  /** The model id the caller expects the manifest to declare. */
  id?: string;
}

export interface VerifiedBundle<G extends BundleGraph> {
  manifest: Manifest;
  /** sha256 of manifest.json as stored. */
  manifestSha256: string;
  /** Every file the manifest lists, verified, by name. */
  files: Map<string, Uint8Array>;
  memorization: MemorizationIndex;
  /** The membership audit over `memorization.members`, with its prefilter where the bundle has one. */
  membership: MembershipIndex;
  exemplars: ExemplarTable;
  /** Exemplars (whole and by label) and the counterfactual probe, as the shared scorers take them. */
  tables: ServingTables;
  /** Exemplar pixels, uint8 [count × input.dim] (image inputs only). */
  exemplarPixels: Uint8Array | null;
  samples: Samples | null;
  graph: G | null;
}

function schemaReason(error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return `does not match the bundle schema (${first}${error.issues.length > 3 ? `; +${error.issues.length - 3} more` : ''})`;
}

function parseJson<T>(file: string, bytes: Uint8Array, schema: Pick<z.ZodType<T>, 'safeParse'>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return refuse(file, `is not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : refuse(file, schemaReason(parsed.error));
}

const where = (opts: VerifyOptions<BundleGraph>, file: string) => (opts.where ? ` (${opts.where(file)})` : '');

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Rows the load-time run feeds the graph: zeros, then up to this many samples and exemplars (real inputs). */
export const PROBE_ROWS_PER_SOURCE = 32;

export interface ProbeRow {
  what: string;
  raw: ArrayLike<number>;
}

/** A zeros row plus real inputs from the bundle itself, so a graph corrupted to NaN is caught before serving. */
function probeRows(manifest: Manifest, samples: Samples | null, exemplars: ExemplarTable, pixels: Uint8Array | null): ProbeRow[] {
  const { dim } = manifest.input;
  const rows: ProbeRow[] = [{ what: 'a zeros input', raw: new Float32Array(dim) }];
  for (const s of samples?.items.slice(0, PROBE_ROWS_PER_SOURCE) ?? []) rows.push({ what: `sample ${s.id}`, raw: s.input });
  if (pixels) {
    for (let i = 0; i < Math.min(exemplars.count, PROBE_ROWS_PER_SOURCE); i++)
      rows.push({ what: `exemplar ${exemplars.ids[i]}`, raw: Float32Array.from(pixels.subarray(i * dim, (i + 1) * dim), (v) => v / 255) });
  }
  return rows;
}

/**
 * The graph checks alone, for a caller that verified the files without a runtime and opens the graph later (the
 * trainer's evaluate): input and output names, shapes, widths and finite outputs on zeros, samples and exemplars.
 * Releases the graph and throws `BundleRefused` when a check fails.
 */
export async function verifyGraph(
  graph: BundleGraph, manifest: Manifest, rows: ProbeRow[] | Pick<VerifiedBundle<BundleGraph>, 'samples' | 'exemplars' | 'exemplarPixels'>, exemplars?: ExemplarTable,
): Promise<void> {
  const probe = Array.isArray(rows) ? rows : probeRows(manifest, rows.samples, rows.exemplars, rows.exemplarPixels);
  try {
    await checkGraph(graph, manifest, probe, exemplars ?? (Array.isArray(rows) ? undefined : rows.exemplars));
  } catch (e) {
    await graph.release?.().catch(() => undefined);
    throw e;
  }
}


/**
 * Names, shapes, widths and finiteness of all four outputs on the probe rows; where the graph also writes
 * `exemplar_dot`, its width is the exemplar count and, on the probe row of largest embedding, it equals embedding · eᵢ recomputed from
 * memorization.json (so the graph's exemplar copy cannot silently differ from the table whose scores it weights).
 */
async function checkGraph(graph: BundleGraph, manifest: Manifest, rows: ProbeRow[], exemplars?: ExemplarTable): Promise<void> {
  const file = BUNDLE_FILES.model;
  const missing: string[] = ONNX_OUTPUT_NAMES.filter((n) => !graph.outputNames.includes(n));
  if (!graph.inputNames.includes(ONNX_INPUT)) missing.push(ONNX_INPUT);
  if (missing.length) refuse(file, `must read '${ONNX_INPUT}' and write ${ONNX_OUTPUT_NAMES.join(', ')} (missing: ${missing.join(', ')})`);
  const { dim } = manifest.input, { numClasses: K, embeddingDim: E } = manifest.architecture, n = rows.length;
  const x = new Float32Array(n * dim);
  for (const [i, r] of rows.entries()) preprocess(r.raw, manifest.input.preprocessing, x.subarray(i * dim, (i + 1) * dim));
  let out: Record<string, GraphOutput>;
  try {
    out = await graph.run(x, n, dim);
  } catch (e) {
    return refuse(file, `fails on a [${n}, ${dim}] input (${message(e)})`);
  }
  const widths: Record<string, number> = { [ONNX_OUTPUTS.logits]: K, [ONNX_OUTPUTS.embedding]: E, [ONNX_OUTPUTS.twinA]: K, [ONNX_OUTPUTS.twinB]: K };
  for (const [name, width] of Object.entries(widths)) {
    const t = out[name];
    if (!t || t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== n || t.dims[1] !== width)
      refuse(file, `output '${name}' is ${t ? `${t.type} [${t.dims.join(', ')}]` : 'absent'}, the manifest implies float32 [${n}, ${width}]`);
    const data = t.data as ArrayLike<number>;
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j])) refuse(file, `output '${name}' is ${data[j]} on ${rows[Math.floor(j / width)].what}: the model does not compute finite numbers`);
    }
  }
  const dot = out[ONNX_EXEMPLAR_DOT];
  if (dot && graph.outputNames.includes(ONNX_EXEMPLAR_DOT)) {
    const count = exemplars?.count ?? manifest.memorization.exemplars;
    if (dot.type !== 'float32' || dot.dims.length !== 2 || dot.dims[0] !== n || dot.dims[1] !== count)
      refuse(file, `output '${ONNX_EXEMPLAR_DOT}' is ${dot.type} [${dot.dims.join(', ')}], the exemplars imply float32 [${n}, ${count}]`);
    if (exemplars) checkExemplarDot(file, dot.data as ArrayLike<number>, out[ONNX_OUTPUTS.embedding].data as ArrayLike<number>, exemplars, rows);
  }
}

/**
 * `exemplar_dot` recomputed on one probe row, the one of largest embedding (a copy that differs from the table in any
 * entry differs on a real input's embedding; each row checked costs exemplars × dim in JS, ~10 ms of a cold start).
 */
function checkExemplarDot(file: string, dot: ArrayLike<number>, embedding: ArrayLike<number>, ex: ExemplarTable, rows: ProbeRow[]): void {
  const D = ex.dim;
  let r = 0, norm = -1;
  for (let q = 0; q < rows.length; q++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += embedding[q * D + j] ** 2;
    if (s > norm) [r, norm] = [q, s];
  }
  const tol = 1e-4 * Math.max(1, Math.sqrt(norm));
  for (let i = 0; i < ex.count; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) s += embedding[r * D + j] * ex.embeddings[i * D + j];
    const got = dot[r * ex.count + i];
    if (!(Math.abs(got - s) <= tol))
      refuse(file, `output '${ONNX_EXEMPLAR_DOT}' is ${got} for exemplar ${ex.ids[i]} on ${rows[r].what}, memorization.json's exemplars give ${s}: the graph's exemplars are not the bundle's`);
  }
}

/**
 * Verifies one bundle: manifest schema (and model id), every listed file's byte size and sha256, memorization.json
 * and samples.json against their schemas and the manifest's dimensions, finite exemplar embeddings, the
 * counterfactual probe against the model, and — when `openGraph` is given — the ONNX graph's input and outputs
 * (names, shapes, widths) and finite outputs on real rows. Throws `BundleRefused` on the first failure.
 */
export async function verifyBundle<G extends BundleGraph>(opts: VerifyOptions<G>): Promise<VerifiedBundle<G>> {
  const manifestBytes = await opts.read(BUNDLE_FILES.manifest) ?? refuse(BUNDLE_FILES.manifest, `not found${where(opts, BUNDLE_FILES.manifest)}`);
  const manifest = parseJson(BUNDLE_FILES.manifest, manifestBytes, Manifest);
  try {
    return await verifyListed(opts, manifest, manifestBytes);
  } catch (e) {
    if (e instanceof BundleRefused) e.version = manifest.model.version;
    throw e;
  }
}

async function verifyListed<G extends BundleGraph>(opts: VerifyOptions<G>, manifest: Manifest, manifestBytes: Uint8Array): Promise<VerifiedBundle<G>> {
  if (opts.id !== undefined && manifest.model.id !== opts.id)
    refuse(BUNDLE_FILES.manifest, `is for model "${manifest.model.id}", not "${opts.id}"`);

  const read = await Promise.all(manifest.files.map((entry) => opts.read(entry.path)));
  const files = new Map<string, Uint8Array>();
  for (const [i, entry] of manifest.files.entries()) {
    const bytes = read[i] ?? refuse(entry.path, `listed in the manifest but missing${where(opts, entry.path)}`);
    if (bytes.byteLength !== entry.bytes) refuse(entry.path, `size mismatch (manifest ${entry.bytes} bytes, file ${bytes.byteLength} bytes)`);
    const digest = await opts.sha256(bytes);
    if (digest !== entry.sha256) refuse(entry.path, `sha256 mismatch (manifest ${entry.sha256}, file ${digest})`);
    files.set(entry.path, bytes);
  }

  const { dim } = manifest.input, K = manifest.classNames.length, E = manifest.architecture.embeddingDim;
  const memorization = parseJson(BUNDLE_FILES.memorization, files.get(BUNDLE_FILES.memorization)!, { safeParse: parseMemorizationIndex });
  if (memorization.exemplars.count > 0 && memorization.exemplars.embeddingDim !== E)
    refuse(BUNDLE_FILES.memorization, `exemplars have embeddingDim ${memorization.exemplars.embeddingDim}, the model's embedding is ${E}`);
  let exemplars: ExemplarTable;
  try {
    exemplars = decodeExemplars(memorization.exemplars);
  } catch (e) {
    return refuse(BUNDLE_FILES.memorization, message(e));
  }
  const badEmbedding = exemplars.embeddings.findIndex((v) => !Number.isFinite(v));
  if (badEmbedding >= 0) refuse(BUNDLE_FILES.memorization, `exemplar ${exemplars.ids[Math.floor(badEmbedding / E)]} has a non-finite embedding`);
  const badLabel = exemplars.labels.findIndex((y) => y >= K);
  if (badLabel >= 0) refuse(BUNDLE_FILES.memorization, `exemplar ${exemplars.ids[badLabel]} has label ${exemplars.labels[badLabel]}, the model has ${K} classes`);

  const membership = new MembershipIndex(memorization.members, decodePrefilter(memorization));

  const probe = manifest.scores.counterfactualProbe;
  if (probe && (K !== 2 || probe.embeddingDim !== E))
    refuse(BUNDLE_FILES.manifest, `the counterfactual probe needs 2 classes and embeddingDim ${E}`);
  let tables: ServingTables;
  try {
    tables = servingTables(exemplars, K, probe, manifest.intervention ? prepareIntervention(manifest.intervention, dim) : null);
  } catch (e) {
    return refuse(BUNDLE_FILES.manifest, message(e));
  }
  if (tables.probe && !tables.probe.weights.every(Number.isFinite)) refuse(BUNDLE_FILES.manifest, 'the counterfactual probe has non-finite weights');
  const exemplarPixels = memorization.exemplars.inputs === null ? null : base64ToBytes(memorization.exemplars.inputs);
  if (exemplarPixels && exemplarPixels.length !== exemplars.count * dim)
    refuse(BUNDLE_FILES.memorization, `exemplar inputs hold ${exemplarPixels.length} bytes, expected ${exemplars.count}×${dim}`);

  const samplesBytes = files.get(BUNDLE_FILES.samples);
  const samples = samplesBytes ? parseJson(BUNDLE_FILES.samples, samplesBytes, Samples) : null;
  const badSample = samples?.items.findIndex((s) => s.input.length !== dim || s.label >= K) ?? -1;
  if (badSample >= 0) refuse(BUNDLE_FILES.samples, `item ${badSample} needs ${dim} inputs and a label below ${K}`);

  let graph: G | null = null;
  if (opts.openGraph) {
    try {
      graph = await opts.openGraph(files.get(BUNDLE_FILES.model)!);
    } catch (e) {
      return refuse(BUNDLE_FILES.model, `could not be loaded by onnxruntime (${message(e)})`);
    }
    await verifyGraph(graph, manifest, probeRows(manifest, samples, exemplars, exemplarPixels), exemplars);
  }
  return { manifest, manifestSha256: await opts.sha256(manifestBytes), files, memorization, membership, exemplars, tables, exemplarPixels, samples, graph };
}

/** The prefilter keys, held to their format: whole uint32s, strictly ascending, no more than there are members. */
function decodePrefilter(memorization: MemorizationIndex): Uint32Array | null {
  if (memorization.prefilter === undefined) return null;
  const bytes = base64ToBytes(memorization.prefilter);
  if (bytes.length % 4 !== 0) refuse(BUNDLE_FILES.memorization, `prefilter holds ${bytes.length} bytes, not whole uint32 keys`);
  const keys = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  if (keys.length > Object.keys(memorization.members).length) refuse(BUNDLE_FILES.memorization, `prefilter holds ${keys.length} keys for ${Object.keys(memorization.members).length} members`);
  for (let i = 1; i < keys.length; i++) if (keys[i] <= keys[i - 1]) refuse(BUNDLE_FILES.memorization, `prefilter keys are not strictly ascending at ${i}`);
  return keys;
}
