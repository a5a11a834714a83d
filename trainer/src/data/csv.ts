import { DataValidationError } from './errors.js';
import type { RawRow, RawTable } from './raw-table.js';

interface CsvRecord {
  line: number;
  fields: string[];
  /** A lone empty unquoted field: the record was a blank line. */
  blank: boolean;
}

/** RFC 4180 records: comma-separated, `"` quotes fields, `""` escapes a quote, quoted fields may span lines. */
function csvRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let quotedAny = false;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        quotedAny = true;
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) throw new DataValidationError({ file, row: start }, 'unterminated quoted field');
          const chunk = text.slice(i, close);
          field += chunk;
          line += chunk.split('\n').length - 1;
          i = close + 1;
          if (text[i] !== '"') break;
          field += '"';
          i++;
        }
        if (i < text.length && !',\r\n'.includes(text[i])) {
          throw new DataValidationError({ file, row: start }, `unexpected ${JSON.stringify(text[i])} after a closing quote`);
        }
      } else {
        let end = i;
        while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
        field = text.slice(i, end);
        i = end;
      }
      fields.push(field);
      if (text[i] !== ',') break;
      i++;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    records.push({ line: start, fields, blank: !quotedAny && fields.length === 1 && fields[0] === '' });
  }
  return records.filter((r) => !r.blank);
}

/**
 * Parses CSV text with a header row; every data row must have as many fields as the header.
 * @example parseCsv('x,label\n1.5,cat\n', 'data.csv').rows[0] // { line: 2, cells: ['1.5', 'cat'] }
 */
export function parseCsv(text: string, file: string): RawTable {
  const [header, ...records] = csvRecords(text, file);
  if (header === undefined) throw new DataValidationError({ file }, 'file is empty');
  const columns = header.fields.map((name) => name.trim());
  columns.forEach((name, j) => {
    if (name === '') throw new DataValidationError({ file, row: header.line }, `header: column ${j + 1} has no name`);
    if (columns.indexOf(name) !== j) throw new DataValidationError({ file, row: header.line, column: name }, 'duplicate column name in the header');
  });
  const rows: RawRow[] = records.map(({ line, fields }) => {
    if (fields.length !== columns.length) {
      throw new DataValidationError({ file, row: line }, `${fields.length} fields, but the header has ${columns.length} columns`);
    }
    return { line, cells: fields };
  });
  return { file, columns, rows };
}
