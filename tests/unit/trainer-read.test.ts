import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BundleReadError, openVerifiedSession, readBundle } from '../../trainer/src/bundle/read.js';
import { writeBundle } from '../../trainer/src/bundle/write.js';
import { FILLER, fixtureContents } from './helpers/fixture-bundle.js';

const root = await mkdtemp(path.join(tmpdir(), 'mat-edge-read-'));
afterAll(() => rm(root, { recursive: true, force: true }));

let dir: string;
let n = 0;
beforeEach(async () => {
  dir = path.join(root, `b${n++}`);
  await writeBundle(dir, { ...fixtureContents({ generation: 7 }), samples: { formatVersion: 1, items: [{ id: 0, label: 1, group: null, input: [0, 1, 2, 3] }] } });
});

async function editJson(file: string, edit: (v: any) => void): Promise<void> {
  const value = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  edit(value);
  await writeFile(path.join(dir, file), JSON.stringify(value));
}

describe('readBundle', () => {
  it('returns the verified manifest, model bytes, memorization index, samples and files', async () => {
    const b = await readBundle(dir, FILLER);
    expect(b.manifest.model.version).toBe('7');
    expect(b.model).toEqual(fixtureContents({ generation: 7 }).model);
    expect(Object.values(b.memorization.members)).toEqual([0.5]);
    expect(b.samples?.items).toHaveLength(1);
    expect([...b.files.keys()].sort()).toEqual(['memorization.json', 'model.onnx', 'report.html', 'samples.json']);
  });

  it('names the file and both digests on a sha256 mismatch', async () => {
    const bytes = await readFile(path.join(dir, 'model.onnx'));
    bytes[100] ^= 1;
    await writeFile(path.join(dir, 'model.onnx'), bytes);
    const err = await readBundle(dir, FILLER).catch((e) => e);
    expect(err).toBeInstanceOf(BundleReadError);
    expect(err.file).toBe('model.onnx');
    expect(err.message).toMatch(/model\.onnx: sha256 mismatch \(manifest [0-9a-f]{64}, file [0-9a-f]{64}\)/);
  });

  it('reports a size mismatch before hashing', async () => {
    await writeFile(path.join(dir, 'report.html'), 'short');
    await expect(readBundle(dir, FILLER)).rejects.toThrow(/report\.html: size mismatch \(manifest 1024 bytes, file 5 bytes\)/);
  });

  it('reports a listed file that is missing, and a folder with no manifest', async () => {
    await unlink(path.join(dir, 'memorization.json'));
    await expect(readBundle(dir, FILLER)).rejects.toThrow(/memorization\.json: listed in the manifest but missing/);
    await expect(readBundle(path.join(root, 'nowhere'))).rejects.toThrow(/manifest\.json: not found/);
  });

  it('rejects a manifest that is not JSON or breaks the schema, naming the field', async () => {
    await editJson('manifest.json', (m) => { m.architecture.numClasses = 3; });
    await expect(readBundle(dir, FILLER)).rejects.toThrow(/manifest\.json: does not match the bundle schema \(architecture\.numClasses: must equal classNames\.length/);
    await writeFile(path.join(dir, 'manifest.json'), '{ not json');
    await expect(readBundle(dir, FILLER)).rejects.toThrow(/manifest\.json: is not valid JSON/);
  });

  it('validates memorization.json and samples.json against their schemas even when their sha256 is listed', async () => {
    const { createHash } = await import('node:crypto');
    const relist = async (file: string, text: string) => {
      await writeFile(path.join(dir, file), text);
      await editJson('manifest.json', (m) => {
        const entry = m.files.find((f: { path: string }) => f.path === file);
        entry.bytes = Buffer.byteLength(text);
        entry.sha256 = createHash('sha256').update(text).digest('hex');
      });
    };
    await relist('samples.json', JSON.stringify({ formatVersion: 1, items: [{ id: -1, label: 0, group: null, input: [] }] }));
    await expect(readBundle(dir, FILLER)).rejects.toThrow(/samples\.json: does not match the bundle schema \(items\.0\.id/);
    await relist('memorization.json', JSON.stringify({ formatVersion: 1, members: {}, exemplars: { count: 2, embeddingDim: 4, ids: [], labels: [], scores: [], inferredGroups: [], embeddings: '', inputs: null } }));
    await expect(readBundle(dir, FILLER)).rejects.toThrow(/memorization\.json: does not match the bundle schema \(exemplars\.ids: must have count \(2\) entries/);
  });
});

describe('readBundle runs the graph (onnxruntime) like the worker', () => {
  it('accepts a real bundle and refuses one whose weights were corrupted to NaN under a matching manifest', async () => {
    const { makeFixtureBundle } = await import('../fixtures/bundle/make-bundle.js');
    await makeFixtureBundle(path.join(root, 'real'), { id: 'real' });
    expect((await readBundle(path.join(root, 'real'))).manifest.model.id).toBe('real');
    await makeFixtureBundle(path.join(root, 'nan'), { id: 'nan', weights: 'nan' });
    const err = await readBundle(path.join(root, 'nan')).catch((e) => e);
    expect(err).toBeInstanceOf(BundleReadError);
    expect(err.message).toMatch(/model\.onnx: output 'logits' is NaN on a zeros input: the model does not compute finite numbers/);
    // evaluate reads without the graph, checks its data, then opens the graph through the same checks.
    const unchecked = await readBundle(path.join(root, 'nan'), { graph: false });
    await expect(openVerifiedSession(unchecked)).rejects.toThrow(/nan: model\.onnx: output 'logits' is NaN on a zeros input/);
    const session = await openVerifiedSession(await readBundle(path.join(root, 'real'), { graph: false }));
    expect(session.outputNames).toContain('logits');
    await session.release();
  });
});
