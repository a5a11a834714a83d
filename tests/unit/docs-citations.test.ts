import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Code comments cite the project's docs by section (`docs/method.md §2.6`, `docs/design.md "The model bundle"`,
 * `docs/edge-stack.md Q3`). Every such citation must name a page in docs/ and a heading that page has, so that a
 * renumbered section or a moved page fails here instead of leaving a dangling reference.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const SKIP = new Set(['node_modules', '.git', 'docs', 'bundles', 'artifacts', 'runs', 'dist', '.wrangler', '.scratch']);
const EXTENSIONS = /\.(ts|mjs|md|toml|json)$/;
const NAMES = 'method|design|edge-stack|offline|validation|style';
/** A page name not inside a longer path or word (docs/ prefix optional), then an optional section id. */
const CITATION = new RegExp(`(?<![\\w.\\-])(?:docs/)?(${NAMES})\\.md(?:,? *(§\\d+(?:\\.\\d+)*|[QABC]\\d+\\b|"[^"\\n]+"))?`, 'g');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name) || entry.name === 'package-lock.json') return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.isFile() && EXTENSIONS.test(entry.name) ? [full] : [];
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The heading a section id names: `## 2. …`/`### 2.6 …`, `## Q3. …`, or a quoted title (`### memorization`). */
function headingPattern(id: string): RegExp {
  if (id.startsWith('§')) return new RegExp(`^#+ ${escape(id.slice(1))}\\.? `, 'm');
  if (id.startsWith('"')) return new RegExp(`^#+ ${escape(id.slice(1, -1))}$`, 'm');
  return new RegExp(`^#+ ${escape(id)}\\. `, 'm');
}

interface Citation { file: string; page: string; section: string | undefined }

const citations: Citation[] = sourceFiles(ROOT).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(CITATION)].map((m) => ({ file: path.relative(ROOT, file), page: m[1], section: m[2] })),
);

describe('citations of docs/ from the code', () => {
  it('finds the citations (the scan itself works)', () => {
    expect(citations.length).toBeGreaterThan(40);
    expect(citations.some((c) => c.page === 'method' && c.section === '§2.6')).toBe(true);
  });

  it('every cited page exists in docs/', () => {
    const missing = citations.filter((c) => !existsSync(path.join(ROOT, 'docs', `${c.page}.md`)));
    expect(missing.map((c) => `${c.file}: ${c.page}.md`)).toEqual([]);
  });

  it('every cited section is a heading of that page', () => {
    const pages = new Map<string, string>();
    const read = (page: string) => pages.get(page) ?? pages.set(page, readFileSync(path.join(ROOT, 'docs', `${page}.md`), 'utf8')).get(page)!;
    const dangling = citations.filter((c) => c.section !== undefined && existsSync(path.join(ROOT, 'docs', `${c.page}.md`)) && !headingPattern(c.section).test(read(c.page)));
    expect(dangling.map((c) => `${c.file}: ${c.page}.md ${c.section}`)).toEqual([]);
  });

  it('no path points at design notes outside the repository', () => {
    const outside = sourceFiles(ROOT).filter((file) => /shared\/docs\//.test(readFileSync(file, 'utf8')));
    expect(outside.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
