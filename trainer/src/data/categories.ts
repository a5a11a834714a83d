import { DataValidationError, type DataLocation } from './errors.js';
import { int32s } from './growable.js';

const INTEGER = /^[+-]?\d+$/;

/**
 * Distinct category values in index order: numeric order when every value is an integer (so "10" follows "9"),
 * code-point order otherwise; never locale-dependent.
 * @example sortedCategories(['b', 'a', 'b']) // ['a', 'b']
 */
export function sortedCategories(values: Iterable<string>): string[] {
  const unique = [...new Set(values)];
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return unique.every((v) => INTEGER.test(v)) ? unique.sort((a, b) => Number(a) - Number(b) || byText(a, b)) : unique.sort(byText);
}

/** A category column read as a stream: each distinct value kept once, each row as the index of its value. */
export class CategoryCodes {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly codes;

  constructor(sizeHint = 0) {
    this.codes = int32s(sizeHint);
  }

  add(value: string): void {
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.index.set(value, code);
      this.values.push(value);
    }
    this.codes.push(code);
  }

  finish(): Categories {
    return { values: this.values, codes: this.codes.toArray() };
  }
}

/** Category values as read: the distinct values (first-seen order) and each row's index into them. */
export interface Categories {
  values: string[];
  codes: Int32Array;
}

/**
 * Each row's category as an index into `names` (a superset of the values read, e.g. every split's values sorted).
 * @example recode(['a', 'b'], { values: ['b', 'a'], codes: Int32Array.of(0, 1, 0) }) // Int32Array [1, 0, 1]
 */
export function recode(names: readonly string[], categories: Categories): Int32Array {
  const index = new Map(names.map((name, k) => [name, k]));
  const map = Int32Array.from(categories.values, (v) => index.get(v)!);
  return Int32Array.from(categories.codes, (c) => map[c]);
}

/** The name of group (class, attribute value) when groups are label × attribute: `label=dog · place=water`. */
export function attributeGroupName(labelColumn: string, className: string, attributeColumn: string, value: string): string {
  return `${labelColumn}=${className} · ${attributeColumn}=${value}`;
}

/**
 * A file's category text as an index into a bundle's class or group names: matched by name, else read as an integer
 * index below names.length — but only where no name is itself an integer, so that "0" never means another class's
 * index when the names are codes. An unknown value is an error naming the file, row and column.
 * @example categoryIndex(['cat', 'dog'], 'dog', at, 'class') // 1 (and '1' → 1)
 */
export function categoryIndex(names: readonly string[], text: string, at: Required<DataLocation>, what: string): number {
  const k = names.indexOf(text);
  if (k >= 0) return k;
  const byIndex = !names.some((name) => INTEGER.test(name));
  if (byIndex && /^\d+$/.test(text) && Number(text) < names.length) return Number(text);
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
  throw new DataValidationError(at, `"${text}" is not a ${what} of this model (${shown}${byIndex ? `, or an index below ${names.length}` : ''})`);
}
