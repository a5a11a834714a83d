import { readFeature } from './cells.js';
import { DataValidationError } from './errors.js';
import type { RawTable } from './raw-table.js';

/** Which column plays which part in a user's table. */
export interface ColumnRoles {
  labelColumn: string;
  groupColumn?: string;
  attributeColumn?: string;
  /** A row identifier: never a feature; kept for per-row output. */
  idColumn?: string;
  /** Feature patterns (`--feature-columns`): names, ranges such as `f0-f391`, globs such as `emb_*`. */
  featureColumns?: string[];
  /** Patterns never used as features (`--ignore-columns`). */
  ignoreColumns?: string[];
}

/** The columns chosen as features and why each other column is not one (printed by the trainer). */
export interface FeatureChoice {
  features: string[];
  /** `explicit`: named by `--feature-columns` (trusted: no label-proxy check); `numeric`: chosen automatically. */
  how: 'explicit' | 'numeric';
  excluded: { column: string; why: string }[];
}

const LISTED_MAX = 8;

/** `a, b, c, … (393 columns)`: a column list short enough to read in an error message. */
export function listColumns(columns: readonly string[]): string {
  const shown = columns.slice(0, LISTED_MAX).join(', ');
  return columns.length > LISTED_MAX ? `${shown}, … (${columns.length} columns)` : shown;
}

/** The column names closest to `name` (case-insensitive prefix or substring match), for a "did you mean" hint. */
function similar(name: string, columns: readonly string[]): string[] {
  const lower = name.toLowerCase();
  return columns.filter((c) => {
    const l = c.toLowerCase();
    return l === lower || l.startsWith(lower) || lower.startsWith(l) || l.includes(lower);
  }).slice(0, 3);
}

/** The index of `column` in the table, or an error naming it, a few similar names and a short list of the columns. */
export function columnIndex(table: RawTable, column: string, role: string): number {
  const j = table.columns.indexOf(column);
  if (j >= 0) return j;
  const near = similar(column, table.columns);
  const hint = near.length ? `did you mean ${near.map((c) => `"${c}"`).join(' or ')}? ` : '';
  throw new DataValidationError({ file: table.file, column }, `${role} column not found (${hint}columns: ${listColumns(table.columns)})`);
}

const RANGE = /^(.*?)(\d+)-(?:\1)?(\d+)$/;

/**
 * The columns one pattern names, in file order: an exact name; a range `f0-f391` (or `f0-391`: prefix, first and last
 * number, both inclusive); or a glob where `*` matches any run of characters and `?` one character. An exact name wins
 * over the other readings, so a column literally called `a-b` or `x*` can still be named.
 */
export function matchPattern(pattern: string, columns: readonly string[]): string[] {
  if (columns.includes(pattern)) return [pattern];
  const range = RANGE.exec(pattern);
  if (range) {
    const [, prefix, first, last] = range;
    const [lo, hi] = [Number(first), Number(last)];
    return columns.filter((c) => {
      if (!c.startsWith(prefix)) return false;
      const rest = c.slice(prefix.length);
      return /^\d+$/.test(rest) && Number(rest) >= lo && Number(rest) <= hi;
    });
  }
  if (/[*?]/.test(pattern)) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    const glob = new RegExp(`^${source}$`);
    return columns.filter((c) => glob.test(c));
  }
  return [];
}

/** Every column the patterns name, in file order, each once; a pattern that names no column is an error. */
export function expandPatterns(table: RawTable, patterns: readonly string[], flag: string): string[] {
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    const hits = matchPattern(pattern, table.columns);
    if (hits.length === 0) {
      throw new DataValidationError({ file: table.file, column: pattern }, `${flag} names no column (columns: ${listColumns(table.columns)})`);
    }
    hits.forEach((c) => chosen.add(c));
  }
  return table.columns.filter((c) => chosen.has(c));
}

/**
 * A column is numeric when its first non-empty cell reads as a number. Judged on one cell, not all: a numeric column
 * with a typo further down stays a feature and fails with the typo's row and column named, instead of silently
 * dropping out of the model.
 */
function isNumeric(table: RawTable, j: number): boolean {
  const first = table.rows.find(({ cells }) => cells[j] !== null && String(cells[j]).trim() !== '');
  return first !== undefined && typeof readFeature(first.cells[j]) === 'number';
}

/**
 * The training file's features. With `featureColumns`, exactly the columns they name (less `ignoreColumns`); naming a
 * label, group, attribute or id column as a feature is an error. Without, every numeric column that has no other role
 * and is not ignored; non-numeric columns are left out and listed.
 */
export function chooseFeatures(table: RawTable, roles: ColumnRoles): FeatureChoice {
  const roleOf = new Map<string, string>();
  const named: [string | undefined, string][] = [
    [roles.labelColumn, 'label'], [roles.groupColumn, 'group'], [roles.attributeColumn, 'attribute'], [roles.idColumn, 'id'],
  ];
  for (const [column, role] of named) {
    if (column === undefined) continue;
    columnIndex(table, column, role);
    roleOf.set(column, `${role} column`);
  }
  const ignored = new Set(roles.ignoreColumns ? expandPatterns(table, roles.ignoreColumns, '--ignore-columns') : []);
  const excluded: FeatureChoice['excluded'] = [];
  let features: string[];
  if (roles.featureColumns) {
    features = expandPatterns(table, roles.featureColumns, '--feature-columns').filter((c) => !ignored.has(c));
    const clash = features.find((c) => roleOf.has(c));
    if (clash !== undefined) throw new DataValidationError({ file: table.file, column: clash }, `is the ${roleOf.get(clash)} and cannot also be a feature`);
  } else {
    features = [];
    table.columns.forEach((column, j) => {
      const why = roleOf.get(column) ?? (ignored.has(column) ? 'ignored (--ignore-columns)' : isNumeric(table, j) ? null : 'not numeric');
      if (why === null) features.push(column);
      else excluded.push({ column, why });
    });
  }
  if (features.length === 0) {
    // No numeric column at all: most likely the one feature column has a bad cell; name that cell.
    const candidate = excluded.find((e) => e.why === 'not numeric');
    if (candidate) {
      const j = table.columns.indexOf(candidate.column);
      for (const { line, cells } of table.rows) {
        const value = readFeature(cells[j]);
        if (typeof value === 'string') throw new DataValidationError({ file: table.file, row: line, column: candidate.column }, value);
      }
    }
    const why = roles.featureColumns ? 'every column --feature-columns names is ignored' : 'no numeric column besides the label, group, attribute and id columns';
    throw new DataValidationError({ file: table.file }, `no feature columns: ${why}`);
  }
  return { features, how: roles.featureColumns ? 'explicit' : 'numeric', excluded };
}

/** One line for the trainer's log: how many features, which, and what was left out. */
export function describeFeatureChoice(choice: FeatureChoice): string {
  const f = choice.features;
  const span = f.length <= 4 ? f.join(', ') : `${f[0]}, ${f[1]}, …, ${f[f.length - 1]}`;
  const left = choice.excluded.length ? `; not features: ${choice.excluded.map((e) => `${e.column} (${e.why})`).join(', ')}` : '';
  return `features: ${f.length} ${choice.how === 'explicit' ? 'columns named by --feature-columns' : 'numeric columns'} (${span})${left}`;
}
