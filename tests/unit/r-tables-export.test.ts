import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, type DataSpecInput } from '../../trainer/src/data/index.js';

// scripts/data/export-r-tables.R exports the real tables the shortcut validation and the sweep check use (Debian's
// r-cran-cardata Arrests, r-cran-aer HMDA; docs/validation.md). .ci/run installs R and both packages; elsewhere the
// test is skipped with a printed reason.
const SCRIPT = path.resolve('scripts/data/export-r-tables.R');
const probe = spawnSync('Rscript', ['-e', 'library(carData); library(AER)'], { encoding: 'utf8' });
const installed = probe.status === 0;
if (!installed) console.log('R table export test skipped: needs Debian r-base-core r-cran-cardata r-cran-aer (apt-get install)');

const dir = mkdtempSync(path.join(tmpdir(), 'mat-edge-r-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rows of a CSV the script wrote (no field holds a comma or a newline), as header-keyed records. */
function rows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
  const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1');
  const names = header.split(',').map(unquote);
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], unquote(v)])));
}

const agreement = (rs: Record<string, string>[]) => rs.filter((r) => (r.colour === 'White') === (r.released === 'Yes')).length / rs.length;

describe.skipIf(!installed)('scripts/data/export-r-tables.R', () => {
  it('exports Arrests, its planted-shortcut split and HMDA from the Debian R packages', { timeout: 60_000 }, () => {
    const run = spawnSync('Rscript', [SCRIPT], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const arrests = rows('arrests.csv');
    expect(arrests).toHaveLength(5226);
    expect(arrests.every((r) => r.colour_white === (r.colour === 'White' ? '1' : '0'))).toBe(true);
    const [train, val, test] = ['train', 'val', 'test'].map((s) => rows(`arrests-shortcut-${s}.csv`));
    expect([train.length, val.length, test.length]).toEqual([2666, 600, 600]);
    // The planted shortcut: colour agrees with the label on 90% of train and val rows, 10% of test rows.
    expect(agreement(train)).toBeCloseTo(2400 / 2666, 6);
    expect(agreement(val)).toBeCloseTo(0.9, 6);
    expect(agreement(test)).toBeCloseTo(0.1, 6);
    // Real rows, each used once.
    const ids = [...train, ...val, ...test].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rows('hmda.csv')).toHaveLength(2380);
  });

  it('the split reads as the docs say: colour a group annotation, colour_white a feature', { timeout: 60_000 }, async () => {
    const spec = {
      kind: 'csv', train: path.join(dir, 'arrests-shortcut-train.csv'), val: path.join(dir, 'arrests-shortcut-val.csv'),
      test: path.join(dir, 'arrests-shortcut-test.csv'), labelColumn: 'released', attributeColumn: 'colour', idColumn: 'id',
    } as DataSpecInput;
    const ds = await loadDataset(spec);
    expect([ds.train.n, ds.val.n, ds.test.n]).toEqual([2666, 600, 600]);
    expect(ds.classNames).toEqual(['No', 'Yes']);
    expect(ds.input.kind === 'features' && ds.input.featureNames).toEqual(['colour_white', 'year', 'age', 'sex_male', 'employed', 'citizen', 'checks']);
    expect(ds.groupNames).toHaveLength(4);
  });
});
