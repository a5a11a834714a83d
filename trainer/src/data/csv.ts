import { CsvError, parse, type Info, type Parser } from 'csv-parse';
import { DataValidationError } from './errors.js';
import { cannotRead, openFile, type Cell, type CellUse, type RawRow, type RowSource } from './raw-table.js';

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

const LF = 0x0a, CR = 0x0d, QUOTE = 0x22, COMMA = 0x2c, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

/** One record as read, at the 1-based line where it starts. */
interface CsvRecord {
  line: number;
  fields: Cell[];
}

/** Where plainDecimal stopped: the byte after the number it read (a comma or the line's end when the field is one). */
let scanned = 0;

/**
 * The number at the start of bytes [from, to) when it is a plain decimal ([+-]digits[.digits], at most 15 digits),
 * else NaN; `scanned` is where it stopped. Exactly Number(text) for those: the digits are an integer below 2^53 and
 * 10^k (k ≤ 15) is exact, so the one division rounds correctly.
 */
function plainDecimal(b: Buffer, from: number, to: number): number {
  let k = from, c = k < to ? b[k] : -1, negative = false;
  if (c === MINUS || c === PLUS) (negative = c === MINUS, c = ++k < to ? b[k] : -1);
  let m = 0, digits = 0, fraction = 0;
  while (c >= 48 && c <= 57) (m = m * 10 + (c - 48), digits++, c = ++k < to ? b[k] : -1);
  if (c === DOT) {
    c = ++k < to ? b[k] : -1;
    while (c >= 48 && c <= 57) (m = m * 10 + (c - 48), digits++, fraction++, c = ++k < to ? b[k] : -1);
  }
  scanned = k;
  if (digits === 0 || digits > 15) return Number.NaN;
  const v = m / POW10[fraction];
  return negative ? -v : v;
}

/**
 * One quote-free line [from, to) as cells by `uses`: a feature's plain decimal as its number (no string made), text
 * cells as text, skipped cells null. A line whose field count is not the header's is split as text (its error follows).
 */
function lineCells(b: Buffer, from: number, to: number, uses: readonly CellUse[]): Cell[] {
  const cells = new Array<Cell>(uses.length);
  let p = from;
  for (let j = 0; j < uses.length; j++) {
    const use = uses[j];
    let q: number, cell: Cell = null;
    if (use === 'number') {
      const v = plainDecimal(b, p, to);
      q = scanned;
      if (q === to || b[q] === COMMA) {
        if (!Number.isNaN(v)) cell = v; // the whole field is a plain decimal
      } else q = b.indexOf(COMMA, q);
    } else q = b.indexOf(COMMA, p);
    if (q < 0 || q > to) q = to;
    if (q === to && j !== uses.length - 1) break;
    cells[j] = use === 'skip' || cell !== null ? cell : b.toString('utf8', p, q);
    if (q === to) return cells;
    p = q + 1;
  }
  return b.toString('utf8', from, to).split(',');
}

/**
 * Opens an RFC 4180 CSV file (comma-separated, `"` quotes fields, `""` escapes a quote, quoted fields may span lines,
 * a BOM, CRLF and blank lines allowed) with a header row, streamed: the rows are read as they are consumed, never the
 * whole file at once. Every data row must have as many fields as the header.
 * Lines without a quote or a CR (an export of numbers, the common case) are split here, what csv-parse would make of
 * them and several times faster; from the first chunk holding either, csv-parse reads the rest, so quoting, CRLF and
 * every error of the grammar stay csv-parse's.
 * @example const { columns, rows } = await openCsv('data.csv'); (await rows.next()).value // { line: 2, cells: ['1.5', 'cat'] }
 */
export async function openCsv(file: string): Promise<RowSource> {
  const handle = await openFile(file);
  const { size } = await handle.stat();
  const input = handle.createReadStream({ highWaterMark: 1 << 20 });
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Records are taken a chunk at a time: an error then comes after every record before it, and no more of the file
  // is read than the consumer asks for.
  let queue: CsvRecord[] = [], at = 0, failure: unknown = null, finished = false;
  // bytesRead and parsed count the records parsed so far (ahead of those consumed): their ratio sizes the arrays.
  let nextLine = 1, bytesRead = 0, parsed = 0;
  const push = (record: CsvRecord) => {
    queue.push(record);
    parsed++;
  };
  /** Bytes after the last complete line (fast path): carried into the next chunk. */
  let tail: Buffer = Buffer.alloc(0);
  let parser: Parser | null = null;

  /** How the consumer uses each column (useCells): then features are read as numbers; until then every cell is text. */
  let uses: readonly CellUse[] | null = null;
  /** Complete LF-terminated lines of quote- and CR-free text: split on commas, blank lines skipped. */
  const splitLines = (bytes: Buffer) => {
    if (uses !== null) {
      for (let from = 0, n = bytes.length; from < n;) {
        let to = bytes.indexOf(LF, from);
        if (to < 0) to = n;
        if (to > from) push({ line: nextLine, fields: lineCells(bytes, from, to, uses) });
        nextLine++;
        from = to + 1;
      }
      return;
    }
    const text = bytes.toString('utf8');
    for (let from = 0; from < text.length;) {
      let to = text.indexOf('\n', from);
      if (to < 0) to = text.length;
      if (to > from) push({ line: nextLine, fields: text.slice(from, to).split(',') });
      nextLine++;
      from = to + 1;
    }
  };

  // csv-parse, from a record boundary on: its own line count is off for CRLF inside quoted fields, so lines are
  // counted here: the next record starts after the previous one's lines and the blank lines skipped since.
  let emptyLines = 0, parsedFrom = 0;
  const startParser = (fromStart: boolean) => {
    parsedFrom = bytesRead;
    parser = parse({
      bom: true, relax_column_count: true, skip_empty_lines: true,
      // Past lines already split here the file's record delimiter is known to be LF, as csv-parse found it.
      ...(fromStart ? {} : { record_delimiter: '\n' }),
      on_record: (record: string[], info: Info) => {
        const line = nextLine + (info.empty_lines - emptyLines);
        emptyLines = info.empty_lines;
        nextLine = line + innerNewlines(record) + 1;
        bytesRead = parsedFrom + info.bytes;
        push({ line, fields: record });
        return null;
      },
    });
    parser.on('error', () => {}); // reported through the write and end callbacks
  };
  const feed = (chunk: Buffer | null) => new Promise<void>((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (chunk === null) parser!.end(done);
    else parser!.write(chunk, done);
  });
  /** Reads one chunk: split here while the text allows, else (from then on) by csv-parse. */
  const take = async (chunk: Buffer | null) => {
    if (parser !== null) return feed(chunk);
    const bytes = chunk === null ? tail : tail.length ? Buffer.concat([tail, chunk]) : chunk;
    const fromStart = bytesRead === 0 && nextLine === 1;
    const skip = fromStart && bytes.subarray(0, 3).equals(BOM) ? 3 : 0;
    const end = chunk === null ? bytes.length : bytes.lastIndexOf(LF) + 1;
    const whole = bytes.subarray(skip, Math.max(skip, end));
    if (whole.indexOf(QUOTE) < 0 && whole.indexOf(CR) < 0) {
      splitLines(whole);
      bytesRead += end;
      tail = Buffer.from(bytes.subarray(end));
      return;
    }
    // From a record boundary (the file's start included, BOM and all) csv-parse reads the rest.
    startParser(fromStart);
    tail = Buffer.alloc(0);
    await feed(bytes);
    if (chunk === null) await feed(null);
  };
  const nextRecord = async (): Promise<CsvRecord | null> => {
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
      await take(chunk.done ? null : chunk.value).catch((err: unknown) => (failure = err));
    }
    return queue[at++];
  };
  const read = async (): Promise<CsvRecord | null> => {
    try {
      return await nextRecord();
    } catch (err) {
      throw csvError(err, file, nextLine + (err instanceof CsvError ? Number(err.empty_lines ?? emptyLines) - emptyLines : 0));
    }
  };

  const close = async () => {
    (parser as Parser | null)?.destroy();
    input.destroy();
    await handle.close().catch(() => {});
  };
  let columns: string[];
  try {
    const header = await read();
    if (header === null) throw new DataValidationError({ file }, 'file is empty');
    columns = (header.fields as string[]).map((name) => name.trim()); // text: useCells comes after the header
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
  return {
    columns, rows: rows(),
    estimateRows: (read) => (bytesRead > 0 ? Math.round((parsed * size) / bytesRead) : read),
    useCells: (u) => {
      if (u.length === columns.length) uses = u;
    },
  };
}
