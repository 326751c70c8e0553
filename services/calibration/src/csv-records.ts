import { CsvError, parse, type Options } from 'csv-parse/sync';

/** One record of a CSV file: its fields and the 1-based line it starts on (for messages). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

export interface CsvRead {
  readonly records: readonly CsvRecord[];
  /** Records whose quoting is broken, by their first line; they are skipped. */
  readonly errors: readonly { readonly line: number; readonly message: string }[];
}

// Rows may have any number of fields (the caller says which are missing); a stray quote inside an
// unquoted field is kept, as spreadsheets write it; space around fields (not inside quotes) goes.
const OPTIONS: Options = { relax_column_count: true, relax_quotes: true, trim: true };

/**
 * The records of a CSV text, RFC 4180 as CRM exports write it: quoted fields may hold commas,
 * `""` for a quote, and line breaks. Blank lines are skipped. A record whose quoting is broken
 * (a quote never closed, text after a closing quote) is reported at its first line, and reading
 * resumes on the line after that one: one bad record does not cost the rest of the file.
 */
export function readCsvRecords(text: string): CsvRead {
  // one line break kind, so that csv-parse's line count is the file's (it counts \r\n in quotes twice)
  const lines = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n/g, '\n')
    .split('\n');
  const records: CsvRecord[] = [];
  const errors: { line: number; message: string }[] = [];
  let start = 0;
  while (start < lines.length) {
    let read = start; // lines consumed, counted from the top of the file
    const from = start;
    try {
      parse(lines.slice(from).join('\n'), {
        ...OPTIONS,
        on_record: (fields: string[], context) => {
          if (fields.some((field) => field !== '')) records.push({ line: read + 1, fields });
          read = from + context.lines;
          return null;
        },
      });
      break;
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      errors.push({ line: read + 1, message: quotingProblem(error) });
      start = read + 1;
    }
  }
  return { records, errors };
}

function quotingProblem(error: CsvError): string {
  return error.code === 'CSV_QUOTE_NOT_CLOSED'
    ? 'unterminated quoted field'
    : 'malformed quoted field (text after its closing quote, or a quote opened and never closed on this line)';
}
