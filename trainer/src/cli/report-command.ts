import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { BUNDLE_FILES } from '#shared';
import { BundleReadError, readBundle } from '../bundle/read.js';
import { ReportData } from '../report/data.js';
import { renderReport } from '../report/html.js';

/** Default output: a sibling of the bundle folder, so the bundle's files (and their sha256 list) stay untouched. */
export function defaultReportPath(bundleDir: string): string {
  return `${path.resolve(bundleDir)}-report.html`;
}

/**
 * Re-renders report.html from a verified bundle's report.json and writes it to `out` (never inside the bundle).
 * @example await renderBundleReport('bundles/mat-cmnist') // '/abs/bundles/mat-cmnist-report.html'
 * @returns the absolute path written.
 */
export async function renderBundleReport(bundleDir: string, out = defaultReportPath(bundleDir)): Promise<string> {
  const target = path.resolve(out);
  const relative = path.relative(path.resolve(bundleDir), target);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative)))
    throw new Error(`--out ${out} is inside the bundle ${bundleDir}; writing there would break its sha256 list — choose a path outside it`);
  const bundle = await readBundle(bundleDir, { graph: false }); // only report.json is used; the model is not run
  const bytes = bundle.files.get(BUNDLE_FILES.reportData);
  if (!bytes) throw new BundleReadError(bundleDir, BUNDLE_FILES.reportData, 'not in this bundle (the manifest does not list it), nothing to render');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BundleReadError(bundleDir, BUNDLE_FILES.reportData, `is not valid JSON (${(e as Error).message})`);
  }
  const parsed = ReportData.safeParse(raw);
  if (!parsed.success) throw new BundleReadError(bundleDir, BUNDLE_FILES.reportData, `does not match the report schema:\n${z.prettifyError(parsed.error)}`);
  const page = await renderReport(parsed.data);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, page);
  return target;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("re-render report.html from a bundle's report.json (the bundle itself is not modified)")
    .argument('<bundleDir>', 'bundle folder')
    .option('--out <file>', 'HTML file to write (default: <bundleDir>-report.html)')
    .action(async (dir: string, opts: { out?: string }) => {
      console.log(await renderBundleReport(dir, opts.out));
    });
}
