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
