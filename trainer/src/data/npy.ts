import { readFeature } from './cells.js';
import { DataValidationError } from './errors.js';
import { openFile } from './raw-table.js';

type Elements = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** The dtypes read: little-endian (`<`, or `|` for one byte) floats and integers, as NumPy writes them on x86 and ARM. */
const DTYPES: Record<string, { size: number; view: (buffer: ArrayBuffer, count: number) => Elements }> = {
  '<f4': { size: 4, view: (b, n) => new Float32Array(b, 0, n) },
  '<f8': { size: 8, view: (b, n) => new Float64Array(b, 0, n) },
  '|i1': { size: 1, view: (b, n) => new Int8Array(b, 0, n) },
  '<i2': { size: 2, view: (b, n) => new Int16Array(b, 0, n) },
  '<i4': { size: 4, view: (b, n) => new Int32Array(b, 0, n) },
  '<i8': { size: 8, view: (b, n) => new BigInt64Array(b, 0, n) },
  '|u1': { size: 1, view: (b, n) => new Uint8Array(b, 0, n) },
  '<u2': { size: 2, view: (b, n) => new Uint16Array(b, 0, n) },
  '<u4': { size: 4, view: (b, n) => new Uint32Array(b, 0, n) },
  '<u8': { size: 8, view: (b, n) => new BigUint64Array(b, 0, n) },
};
const ALIASES: Record<string, string> = { '<i1': '|i1', '<u1': '|u1' };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const CHUNK_BYTES = 1 << 22;

export interface NpyHeader {
  dtype: string;
  n: number;
  d: number;
  /** Byte offset of the first value. */
  offset: number;
}

/** The header of a .npy file (format versions 1–3): a Python dict literal with descr, fortran_order and shape. */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataValidationError({ file }, 'not a NumPy .npy file (no \\x93NUMPY magic at the start)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataValidationError({ file }, `.npy format version ${major} is not supported (1, 2 or 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [lengthSize, length] = major === 1 ? [2, view.getUint16(8, true)] : [4, bytes.length >= 12 ? view.getUint32(8, true) : -1];
  const offset = 8 + lengthSize + length;
  if (length < 0 || bytes.length < offset) throw new DataValidationError({ file }, '.npy header is truncated');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthSize, offset));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new DataValidationError({ file }, `.npy header is not a NumPy header (${JSON.stringify(text.trim().slice(0, 80))})`);
  const dtype = ALIASES[descr] ?? descr;
  if (!(dtype in DTYPES)) {
    throw new DataValidationError({ file }, `dtype "${descr}" is not supported (expected little-endian float32, float64 or integers: ${Object.keys(DTYPES).join(', ')})`);
  }
  if (fortran === 'True') throw new DataValidationError({ file }, 'Fortran-order arrays are not supported (save a C-order array, e.g. np.save(path, np.ascontiguousarray(x)))');
  const dims = shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length !== 2 || dims.some((v) => !Number.isSafeInteger(v))) throw new DataValidationError({ file }, `shape (${shape.trim()}) is not 2-D [n, d] (one row of d features per example)`);
  const [n, d] = dims;
  if (n === 0 || d === 0) throw new DataValidationError({ file }, `shape (${n}, ${d}) holds no data`);
  return { dtype, n, d, offset };
}

export interface NpyFeatures {
  n: number;
  /** Names of the columns read (`f{j}`), in the order of `features`. */
  featureNames: string[];
  /** [n × featureNames.length] row-major. */
  features: Float64Array;
}

/** Feature names of a [n, d] array: f0 … f{d−1}. */
export const npyColumnNames = (d: number): string[] => Array.from({ length: d }, (_, j) => `f${j}`);

/** The header alone (for the column names before the features are chosen). */
export async function readNpyHeader(file: string): Promise<NpyHeader> {
  const handle = await openFile(file);
  try {
    const head = new Uint8Array(65536);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return parseNpyHeader(head.subarray(0, bytesRead), file);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a 2-D [n, d] .npy array through a file handle, a few MB at a time, into float64 features; `columns` picks
 * and orders the columns kept (default: all). Every value must be finite; an error names the row (1-based) and
 * column `f{j}`.
 */
export async function readNpy(file: string, columns?: readonly number[]): Promise<NpyFeatures> {
  const { n, d } = await readNpyHeader(file);
  const pick = columns ?? Array.from({ length: d }, (_, j) => j);
  const m = pick.length;
  const names = npyColumnNames(d);
  const features = new Float64Array(n * m);
  let i = 0;
  for await (const row of npyRows(file, pick)) features.set(row, m * i++);
  return { n, featureNames: pick.map((j) => names[j]), features };
}

/**
 * The rows of a 2-D [n, d] .npy array in order, read through a file handle a few MB at a time: each row's `columns`
 * (default: all) as float64, checked finite (an error names the row, 1-based, and column `f{j}`). The yielded array
 * is reused for the next row: copy what must be kept.
 */
export async function* npyRows(file: string, columns?: readonly number[]): AsyncGenerator<Float64Array> {
  const header = await readNpyHeader(file);
  const { n, d, offset } = header;
  const { size, view } = DTYPES[header.dtype];
  const pick = columns ?? Array.from({ length: d }, (_, j) => j);
  const m = pick.length;
  const names = npyColumnNames(d);
  const handle = await openFile(file);
  try {
    const { size: bytes } = await handle.stat();
    if (bytes - offset < n * d * size) {
      throw new DataValidationError({ file }, `holds ${bytes - offset} bytes of data, but shape (${n}, ${d}) of ${header.dtype} needs ${n * d * size} (truncated?)`);
    }
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (d * size)));
    const buffer = new ArrayBuffer(rowsPerChunk * d * size);
    const out = new Float64Array(m);
    for (let start = 0; start < n; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, n - start);
      const want = rows * d * size;
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(new Uint8Array(buffer, got, want - got), 0, want - got, offset + start * d * size + got);
        if (bytesRead === 0) throw new DataValidationError({ file, row: start + 1 }, 'file ended early (truncated?)');
        got += bytesRead;
      }
      const values = view(buffer, rows * d);
      for (let i = 0; i < rows; i++) {
        for (let k = 0; k < m; k++) {
          const value = readFeature(Number(values[i * d + pick[k]]));
          if (typeof value === 'string') throw new DataValidationError({ file, row: start + i + 1, column: names[pick[k]] }, value);
          out[k] = value;
        }
        yield out;
      }
    }
  } finally {
    await handle.close();
  }
}
