import { CsvError, parse, type Info } from 'csv-parse';
import { DataValidationError } from './errors.js';
import { cannotRead, openFile, type RawRow, type RowSource } from './raw-table.js';

interface ParsedRecord {
  record: string[];
  info: Info;
}

/** A csv-parse error as the data error users see, at the line where the failing record starts. */
function csvError(err: unknown, file: string, row: number): Error {
  if (!(err instanceof CsvError)) return err instanceof DataValidationError ? err : cannotRead(file, err);
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return new DataValidationError({ file, row }, 'unterminated quoted field');
  if (err.code === 'CSV_INVALID_CLOSING_QUOTE') {
    const got = /got "([\s\S])"/.exec(err.message)?.[1];
    return new DataValidationError({ file, row }, `unexpected ${JSON.stringify(got ?? '?')} after a closing quote`);
  }
  if ((err.code as string) === 'INVALID_OPENING_QUOTE') return new DataValidationError({ file, row }, 'a quote inside an unquoted field (quote the whole field and double the quote: "a""b")');
  return new DataValidationError({ file, row }, `invalid CSV (${err.message})`);
}

/** Newlines inside a record's (quoted) fields: the lines it spans beyond its first. */
function innerNewlines(fields: string[]): number {
  let n = 0;
  for (const field of fields) for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Opens an RFC 4180 CSV file (comma-separated, `"` quotes fields, `""` escapes a quote, quoted fields may span lines,
 * a BOM, CRLF and blank lines allowed) with a header row, streamed through csv-parse: the rows are read as they are
 * consumed, never the whole file at once. Every data row must have as many fields as the header.
 * @example const { columns, rows } = await openCsv('data.csv'); (await rows.next()).value // { line: 2, cells: ['1.5', 'cat'] }
 */
export async function openCsv(file: string): Promise<RowSource> {
  const handle = await openFile(file);
  const { size } = await handle.stat();
  const input = handle.createReadStream({ highWaterMark: 1 << 20 });
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Records are taken as csv-parse produces them (on_record), chunk by chunk: a parse error then comes after every
  // record before it, and no more of the file is read than the consumer asks for.
  let queue: ParsedRecord[] = [], at = 0, failure: unknown = null, finished = false;
  const parser = parse({
    bom: true, relax_column_count: true, skip_empty_lines: true,
    on_record: (record: string[], info: Info) => {
      queue.push({ record, info });
      return null;
    },
  });
  parser.on('error', () => {}); // reported through the write and end callbacks
  const feed = (chunk: Buffer | null) => new Promise<void>((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (chunk === null) parser.end(done);
    else parser.write(chunk, done);
  });
  const nextRecord = async (): Promise<ParsedRecord | null> => {
    while (at >= queue.length) {
      if (failure !== null) throw failure;
      if (finished) return null;
      queue = [];
      at = 0;
      let chunk: IteratorResult<Buffer>;
      try {
        chunk = await chunks.next();
      } catch (err) {
        throw cannotRead(file, err);
      }
      finished = chunk.done === true;
      await feed(chunk.done ? null : chunk.value).catch((err: unknown) => (failure = err));
    }
    return queue[at++];
  };

  // csv-parse's own line count is off for CRLF inside quoted fields, so lines are counted here: the next record starts
  // after the previous one's lines and the blank lines skipped since.
  let nextLine = 1, emptyLines = 0, bytesRead = 0;
  const start = (emptyNow: number) => nextLine + (emptyNow - emptyLines);
  const read = async (): Promise<{ line: number; fields: string[] } | null> => {
    let next: ParsedRecord | null;
    try {
      next = await nextRecord();
    } catch (err) {
      throw csvError(err, file, start(err instanceof CsvError ? Number(err.empty_lines ?? emptyLines) : emptyLines));
    }
    if (next === null) return null;
    const { record, info } = next;
    const line = start(info.empty_lines);
    bytesRead = info.bytes;
    emptyLines = info.empty_lines;
    nextLine = line + innerNewlines(record) + 1;
    return { line, fields: record };
  };

  const close = async () => {
    parser.destroy();
    input.destroy();
    await handle.close().catch(() => {});
  };
  let columns: string[];
  try {
    const header = await read();
    if (header === null) throw new DataValidationError({ file }, 'file is empty');
    columns = header.fields.map((name) => name.trim());
    columns.forEach((name, j) => {
      if (name === '') throw new DataValidationError({ file, row: header.line }, `header: column ${j + 1} has no name`);
      if (columns.indexOf(name) !== j) throw new DataValidationError({ file, row: header.line, column: name }, 'duplicate column name in the header');
    });
  } catch (err) {
    await close();
    throw err;
  }
  async function* rows(): AsyncGenerator<RawRow> {
    try {
      for (let r = await read(); r !== null; r = await read()) {
        if (r.fields.length !== columns.length) {
          throw new DataValidationError({ file, row: r.line }, `${r.fields.length} fields, but the header has ${columns.length} columns`);
        }
        yield { line: r.line, cells: r.fields };
      }
    } finally {
      await close();
    }
  }
  return { columns, rows: rows(), estimateRows: (read) => (bytesRead > 0 ? Math.round((read * size) / bytesRead) : read) };
}
