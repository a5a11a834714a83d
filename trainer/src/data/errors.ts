/** Where in a user's data file a problem is: the file, its 1-based line number, the column name. */
export interface DataLocation {
  file: string;
  row?: number;
  column?: string;
}

function describe({ file, row, column }: DataLocation): string {
  const at = [row === undefined ? '' : `row ${row}`, column === undefined ? '' : `column "${column}"`].filter(Boolean).join(', ');
  return at ? `${file}: ${at}` : file;
}

/**
 * A user data file that cannot be trained on; thrown while loading, before any training starts.
 * @example new DataValidationError({ file: 'data.csv', row: 17, column: 'f3' }, '"abc" is not a number').message
 * // 'data.csv: row 17, column "f3": "abc" is not a number'
 */
export class DataValidationError extends Error {
  override readonly name = 'DataValidationError';
  readonly file: string;
  readonly row?: number;
  readonly column?: string;

  constructor(location: DataLocation, readonly detail: string) {
    super(`${describe(location)}: ${detail}`);
    this.file = location.file;
    this.row = location.row;
    this.column = location.column;
  }
}
