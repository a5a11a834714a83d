/** IDX files (the MNIST format): big-endian header, then raw unsigned bytes. */

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;

/** n grey-scale images of rows × cols bytes, image-major. */
export interface IdxImages {
  n: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

function header(buf: Uint8Array, file: string, magic: number, headerBytes: number, kind: string): DataView {
  if (buf.byteLength < headerBytes) throw new Error(`${file}: not an IDX ${kind} file (${buf.byteLength} bytes, header needs ${headerBytes})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    throw new Error(`${file}: not an IDX ${kind} file (magic 0x${found.toString(16).padStart(8, '0')}, expected 0x${magic.toString(16).padStart(8, '0')})`);
  }
  return view;
}

function checkLength(buf: Uint8Array, file: string, expected: number): void {
  if (buf.byteLength !== expected) throw new Error(`${file}: truncated or oversized IDX file (${buf.byteLength} bytes, header says ${expected})`);
}

/**
 * Parses an IDX3 image file (magic 0x803, 16-byte header).
 * @example parseIdxImages(readFileSync('train-images-idx3-ubyte'), 'train-images-idx3-ubyte').n // 60000
 */
export function parseIdxImages(buf: Uint8Array, file = '<buffer>'): IdxImages {
  const view = header(buf, file, IMAGES_MAGIC, IMAGES_HEADER, 'images');
  const n = view.getUint32(4), rows = view.getUint32(8), cols = view.getUint32(12);
  checkLength(buf, file, IMAGES_HEADER + n * rows * cols);
  return { n, rows, cols, pixels: buf.subarray(IMAGES_HEADER) };
}

/** Parses an IDX1 label file (magic 0x801, 8-byte header). */
export function parseIdxLabels(buf: Uint8Array, file = '<buffer>'): Uint8Array {
  const view = header(buf, file, LABELS_MAGIC, LABELS_HEADER, 'labels');
  checkLength(buf, file, LABELS_HEADER + view.getUint32(4));
  return buf.subarray(LABELS_HEADER);
}
