import { describe, expect, it } from 'vitest';
import { CalibrationError, formatLineError, parseOutcomes, splitCsvLine } from '../src/index.js';

describe('outcomes CSV', () => {
  it('parses rows in any column order, convertedAt optional, extra columns ignored', () => {
    const text =
      'converted,contactId,convertedAt,owner\n1,c-1,2026-03-01T10:00:00Z,ann\n0,c-2,,bob\r\n\n1,"c,3",1767225600000,x\n';
    const { outcomes, errors } = parseOutcomes(text, 'o.csv');
    expect(errors).toEqual([]);
    expect(outcomes).toEqual([
      { contactId: 'c-1', converted: true, convertedAt: Date.parse('2026-03-01T10:00:00Z'), line: 2 },
      { contactId: 'c-2', converted: false, line: 3 },
      { contactId: 'c,3', converted: true, convertedAt: 1767225600000, line: 5 },
    ]);
  });

  it('bad rows are reported with their line numbers and skipped', () => {
    const text = [
      'contactId,converted,convertedAt',
      'c-1,1,',
      'c-2,yes,',
      'c-3,1,yesterday',
      'c-4,0,2026-03-01T10:00:00Z',
      'c-1,0,',
      'c-5',
      '"c-6,1,',
      'c-7,0,',
    ].join('\n');
    const { outcomes, errors } = parseOutcomes(text, 'outcomes.csv');
    expect(outcomes.map((o) => o.contactId)).toEqual(['c-1', 'c-7']);
    expect(errors.map(formatLineError)).toEqual([
      'outcomes.csv line 3: converted must be 0 or 1, got "yes"',
      'outcomes.csv line 4: convertedAt "yesterday" is not a time; expected ISO-8601 with a zone (2026-03-01T10:00:00Z) or epoch milliseconds',
      'outcomes.csv line 5: convertedAt is set but converted is 0; leave convertedAt empty for contacts that did not convert',
      'outcomes.csv line 6: contact "c-1" already has an outcome on line 2',
      'outcomes.csv line 7: 1 field, expected 3 (contactId,converted,convertedAt)',
      'outcomes.csv line 8: unterminated quoted field',
    ]);
  });

  it('a missing column makes the file unusable, with a hint for case mistakes', () => {
    expect(() => parseOutcomes('contactid,converted\nc-1,1\n', 'o.csv')).toThrowError(
      /^o\.csv line 1: missing column "contactId" \(found "contactid": column names are case-sensitive\)/,
    );
    expect(() => parseOutcomes('\n\ncontactId,won\n', 'o.csv')).toThrowError(/^o\.csv line 3: missing column "converted"/);
    expect(() => parseOutcomes('', 'o.csv')).toThrowError(CalibrationError);
  });

  it('reads a CRM export: quoted fields holding line breaks, CRLF lines, a BOM; lines are where each record starts', () => {
    const text =
      '\uFEFFcontactId,converted,convertedAt,notes\r\n' +
      'c-1,1,2026-03-01T10:00:00Z,"called twice\r\nsigned on the 1st"\r\n' +
      'c-2,0,,"three\nline\nnote"\r\n' +
      'c-3,maybe,,"a ""quoted"" remark, with a comma"\r\n' +
      '"c,4",1,,\r\n';
    const { outcomes, errors } = parseOutcomes(text, 'crm.csv');
    expect(outcomes).toEqual([
      { contactId: 'c-1', converted: true, convertedAt: Date.parse('2026-03-01T10:00:00Z'), line: 2 },
      { contactId: 'c-2', converted: false, line: 4 },
      { contactId: 'c,4', converted: true, line: 8 },
    ]);
    expect(errors.map(formatLineError)).toEqual(['crm.csv line 7: converted must be 0 or 1, got "maybe"']);
  });

  it('an unterminated quote costs only its own record: reading resumes on the next line', () => {
    const text = 'contactId,converted\nc-1,1\n"c-2,0\nc-3,1\nc-4,"0"\nc-5,0\n';
    const { outcomes, errors } = parseOutcomes(text, 'o.csv');
    expect(errors.map(formatLineError)).toEqual([
      'o.csv line 3: malformed quoted field (text after its closing quote, or a quote opened and never closed on this line)',
    ]);
    expect(outcomes.map((o) => [o.contactId, o.line])).toEqual([
      ['c-1', 2],
      ['c-3', 4],
      ['c-4', 5],
      ['c-5', 6],
    ]);
  });

  it('splits quoted fields', () => {
    expect(splitCsvLine('a,"b ""c"", d",e')).toEqual(['a', 'b "c", d', 'e']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });
});
