import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { RunResult } from '../train/run.js';
import { sweepFiles, type Job } from './jobs.js';

/** What each stage's job leaves: the XRM run, the algorithm run, or a memorization model's p(y_i|x_i) on the training set. */
export interface JobOutputs {
  xrm: XrmResult;
  algorithms: RunResult;
  memorization: { labelProbs: Float32Array };
}

const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;

/**
 * JSON that gives back exactly what was written: typed arrays as their bytes (base64, bit for bit), and the numbers JSON
 * has no word for (NaN, ±Infinity, −0, which curves and losses can hold) tagged, so a collected bundle equals a trained one.
 */
function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { $number: Object.is(value, -0) ? '-0' : String(value) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedName;
    if (!(name in TYPED)) throw new Error(`cannot store a ${name} in a job result`);
    return { $typed: name, base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as { $number?: string; $typed?: TypedName; base64?: string };
  if (typeof v.$number === 'string') return v.$number === '-0' ? -0 : Number(v.$number);
  if (typeof v.$typed === 'string' && typeof v.base64 === 'string' && v.$typed in TYPED) {
    const bytes = Buffer.from(v.base64, 'base64');
    const Ctor = TYPED[v.$typed];
    if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`a ${v.$typed} of ${bytes.byteLength} bytes`);
    // A fresh, aligned buffer: Buffer's pool offset need not be a multiple of the element size.
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Ctor(copy.buffer);
  }
  return value;
}

/** A job's result file: which plan and job it answers, how long the run took, and the output. */
const Envelope = z.strictObject({
  format: z.literal('mat-edge-job-result/1'),
  plan: z.string(),
  job: z.string(),
  wallSeconds: z.number().nonnegative(),
  output: z.record(z.string(), z.unknown()),
});

/** What a decoded output must hold to count as a result of its stage (else the file is taken for a broken one). */
const COMPLETE: Record<Job['stage'], (o: Record<string, unknown>) => boolean> = {
  xrm: (o) => typeof o.flipRate === 'number' && o.heldOutLogits instanceof Float32Array && o.crossMistakes !== null && typeof o.twinA === 'object',
  algorithms: (o) => Array.isArray(o.curve) && typeof o.selected === 'object' && typeof o.final === 'object' && typeof o.hparams === 'object',
  memorization: (o) => o.labelProbs instanceof Float32Array,
};

/** Writes `text` to `file` atomically: a temporary sibling, then rename, so a killed job never leaves half a file. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJobResult<S extends Job['stage']>(dir: string, plan: string, job: Job & { stage: S }, output: JobOutputs[S], wallSeconds: number): Promise<void> {
  const text = JSON.stringify({ format: 'mat-edge-job-result/1', plan, job: job.id, wallSeconds, output }, replacer);
  await writeFileAtomic(sweepFiles.result(dir, job.id), text);
}

/**
 * The job's result if its file exists and is valid: it parses, and names this plan and this job (a file of another
 * plan or job, or a truncated one, counts as missing and the job runs again). `null` otherwise.
 */
export async function readJobResult<S extends Job['stage']>(dir: string, plan: string, job: Job & { stage: S }): Promise<{ output: JobOutputs[S]; wallSeconds: number } | null> {
  let text: string;
  try {
    text = await readFile(sweepFiles.result(dir, job.id), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const parsed = Envelope.safeParse(JSON.parse(text, reviver));
    if (!parsed.success || parsed.data.plan !== plan || parsed.data.job !== job.id || !COMPLETE[job.stage](parsed.data.output)) return null;
    return { output: parsed.data.output as unknown as JobOutputs[S], wallSeconds: parsed.data.wallSeconds };
  } catch {
    return null;
  }
}
