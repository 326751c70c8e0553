import { parseIsoInstant } from '@leadscore/engine';
import { CalibrationError, CalibrationErrorCode, type LineError } from './calibration-error.js';
import { readCsvRecords } from './csv-records.js';

/** What happened to a contact: the label calibration learns from. */
export interface Outcome {
  readonly contactId: string;
  readonly converted: boolean;
  /** Epoch ms; only for converters, optional. Only events before it count. */
  readonly convertedAt?: number;
  /** 1-based line in the outcomes file (for messages about this contact). */
  readonly line: number;
}

export interface OutcomesParse {
  readonly outcomes: readonly Outcome[];
  /** Bad rows, skipped. */
  readonly errors: readonly LineError[];
}

const REQUIRED = ['contactId', 'converted'] as const;
const KNOWN = ['contactId', 'converted', 'convertedAt'];

/**
 * Splits one CSV record (RFC 4180 quoting: "a, b" and "" for a quote). Returns undefined for an
 * unterminated quote.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const { records, errors } = readCsvRecords(line);
  return errors.length > 0 ? undefined : [...(records[0]?.fields ?? [''])];
}

/**
 * Parses an outcomes CSV: a header naming `contactId`, `converted` (0/1) and optionally
 * `convertedAt` (ISO-8601 with a zone, or epoch ms), in any order; other columns are ignored.
 * Bad rows are returned as errors with their line numbers and skipped; a file without the
 * required columns cannot be used at all. Pure.
 * @throws CalibrationError (BadOutcomesFile) for a missing or incomplete header.
 */
export function parseOutcomes(text: string, file: string): OutcomesParse {
  const { records, errors: quoting } = readCsvRecords(text);
  const [header, ...rows] = records;
  if (header === undefined) {
    throw new CalibrationError(
      CalibrationErrorCode.BadOutcomesFile,
      `${file}: empty file; expected a header line "contactId,converted,convertedAt"`,
    );
  }
  const columns = header.fields.map((h) => h.trim());
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    const near = missing.map((m) => {
      const similar = columns.find((c) => c.toLowerCase().replace(/[^a-z]/g, '') === m.toLowerCase());
      return similar === undefined ? `"${m}"` : `"${m}" (found "${similar}": column names are case-sensitive)`;
    });
    throw new CalibrationError(
      CalibrationErrorCode.BadOutcomesFile,
      `${file} line ${header.line}: missing column${missing.length === 1 ? '' : 's'} ${near.join(', ')}; ` +
        `expected a header with ${KNOWN.join(', ')} (convertedAt optional), got ${JSON.stringify(columns.join(','))}`,
    );
  }
  const at = {
    contactId: columns.indexOf('contactId'),
    converted: columns.indexOf('converted'),
    convertedAt: columns.indexOf('convertedAt'),
  };
  const outcomes: Outcome[] = [];
  const errors: LineError[] = [];
  const seen = new Map<string, number>();
  for (const problem of quoting) errors.push({ file, ...problem });
  for (const { line, fields } of rows) {
    const bad = (message: string): void => void errors.push({ file, line, message });
    if (fields.length < columns.length) {
      bad(`${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${columns.length} (${columns.join(',')})`);
      continue;
    }
    const contactId = fields[at.contactId]!;
    if (contactId.length < 1 || contactId.length > 128) {
      bad(`contactId must be 1-128 characters, got ${JSON.stringify(contactId)}`);
      continue;
    }
    const convertedText = fields[at.converted]!;
    if (convertedText !== '0' && convertedText !== '1') {
      bad(`converted must be 0 or 1, got ${JSON.stringify(convertedText)}`);
      continue;
    }
    const converted = convertedText === '1';
    const atText = at.convertedAt === -1 ? '' : fields[at.convertedAt]!;
    let convertedAt: number | undefined;
    if (atText !== '') {
      convertedAt = /^[0-9]+$/.test(atText) ? Number(atText) : parseIsoInstant(atText);
      if (convertedAt === undefined || !Number.isSafeInteger(convertedAt)) {
        bad(
          `convertedAt ${JSON.stringify(atText)} is not a time; expected ISO-8601 with a zone (2026-03-01T10:00:00Z) or epoch milliseconds`,
        );
        continue;
      }
      if (!converted) {
        bad(`convertedAt is set but converted is 0; leave convertedAt empty for contacts that did not convert`);
        continue;
      }
    }
    const previous = seen.get(contactId);
    if (previous !== undefined) {
      bad(`contact ${JSON.stringify(contactId)} already has an outcome on line ${previous}`);
      continue;
    }
    seen.set(contactId, line);
    outcomes.push(convertedAt === undefined ? { contactId, converted, line } : { contactId, converted, convertedAt, line });
  }
  return { outcomes, errors: errors.sort((a, b) => a.line - b.line) };
}
