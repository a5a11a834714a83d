/**
 * Generated embedding tables for the read and evaluate benchmarks: `n` seeded rows of `dim` float features (4
 * decimals, what a CSV export of float32 embeddings looks like), a label (cat / dog, carried by f0) and a group
 * (common / rare), written as CSV, Parquet (one list<float> column) and .npy (float32) with a CSV companion.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface TableShape {
  n: number;
  dim: number;
  /** Rows differ by seed (a training file and a test file); the default is the read benchmark's. */
  seed?: number;
}

function* rows({ n, dim, seed = 12345 }: TableShape): Generator<{ x: Float32Array; label: string; group: string }> {
  let s = seed;
  const rand = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  const x = new Float32Array(dim);
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    for (let j = 0; j < dim; j++) x[j] = Math.round(((j === 0 ? y : 0) + rand() * 2 - 1) * 1e4) / 1e4;
    yield { x, label: y ? 'dog' : 'cat', group: rand() < 0.2 ? 'rare' : 'common' };
  }
}

/** A CSV with a header: f0…f{dim−1}, label, group; `withFeatures: false` writes the label/group companion of a .npy. */
export async function writeCsv(file: string, shape: TableShape, withFeatures = true): Promise<void> {
  const out = createWriteStream(file);
  const header = [...(withFeatures ? Array.from({ length: shape.dim }, (_, j) => `f${j}`) : []), 'label', 'group'];
  out.write(`${header.join(',')}\n`);
  for (const r of rows(shape)) {
    const line = `${withFeatures ? `${Array.from(r.x, (v) => v.toFixed(4)).join(',')},` : ''}${r.label},${r.group}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Parquet with columns emb (list<float>), label, group; hyparquet-writer holds the columns in memory while writing. */
export async function writeParquet(file: string, shape: TableShape): Promise<void> {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const emb: number[][] = [], label: string[] = [], group: string[] = [];
  for (const r of rows(shape)) {
    emb.push(Array.from(r.x));
    label.push(r.label);
    group.push(r.group);
  }
  parquetWriteFile({
    filename: file,
    rowGroupSize: 10_000,
    columnData: [{ name: 'emb', data: emb }, { name: 'label', data: label }, { name: 'group', data: group }],
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'emb', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'group', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    ],
  });
}

/** A [n, dim] float32 .npy (version 1.0 header, padded to 64 bytes); its labels go in a `writeCsv(…, false)` file. */
export async function writeNpy(file: string, shape: TableShape): Promise<void> {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.n}, ${shape.dim}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const preamble = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  preamble.writeUInt16LE(header.length, 8);
  const out = createWriteStream(file);
  out.write(Buffer.concat([preamble, Buffer.from(header, 'latin1')]));
  for (const r of rows(shape)) if (!out.write(Buffer.from(r.x.slice().buffer))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
