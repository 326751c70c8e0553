import type { Grade, GradeMatrix } from '@leadscore/engine';

/** One cell of the grade matrix: the contacts graded there and how many of them converted. */
export interface GradeCell {
  readonly grade: string;
  /** The row band's name (e.g. `A`) and the column band's (e.g. `1`). */
  readonly row: string;
  readonly column: string;
  /** Whether the grid's `qualified` lists this grade. */
  readonly qualified: boolean;
  readonly contacts: number;
  readonly converters: number;
  /** converters / contacts; null for a cell nobody is graded in. */
  readonly conversionRate: number | null;
}

/** The contacts of all qualified grades together: the matrix read as one yes/no decision. */
export interface QualifiedConversion {
  readonly grades: readonly string[];
  readonly contacts: number;
  readonly converters: number;
  /** null when no contact is qualified. */
  readonly conversionRate: number | null;
  /** Share of all converters who were qualified. */
  readonly recall: number;
}

export interface GradeConversion {
  /** The score each axis reads and its band names, highest band first. */
  readonly rows: { readonly score: string; readonly bands: readonly string[] };
  readonly columns: { readonly score: string; readonly bands: readonly string[] };
  /** Every row × column, rows in band order, then columns in band order (A1, A2, A3, B1, …). */
  readonly cells: readonly GradeCell[];
  readonly qualified: QualifiedConversion;
}

const rate = (converters: number, contacts: number): number | null => (contacts === 0 ? null : converters / contacts);

/**
 * Conversion by grade: per cell of `matrix`, the contacts whose grade (as the engine gave it at
 * their cut-off) is that cell, and the share of them who converted. Every cell is listed, empty
 * ones too, so the table always has the matrix's shape. Pure.
 */
export function gradeConversion(
  matrix: GradeMatrix,
  rows: readonly { readonly grade: Grade | null; readonly converted: boolean }[],
): GradeConversion {
  const counts = new Map<string, { contacts: number; converters: number }>();
  let converters = 0;
  for (const row of rows) {
    if (row.converted) converters += 1;
    if (row.grade === null) continue;
    const count = counts.get(row.grade.grade) ?? { contacts: 0, converters: 0 };
    count.contacts += 1;
    if (row.converted) count.converters += 1;
    counts.set(row.grade.grade, count);
  }
  const qualified = new Set(matrix.qualified);
  const cells = matrix.rows.bands.flatMap((row) =>
    matrix.columns.bands.map((column): GradeCell => {
      const grade = `${row.name}${column.name}`;
      const count = counts.get(grade) ?? { contacts: 0, converters: 0 };
      return {
        grade,
        row: row.name,
        column: column.name,
        qualified: qualified.has(grade),
        contacts: count.contacts,
        converters: count.converters,
        conversionRate: rate(count.converters, count.contacts),
      };
    }),
  );
  const chosen = cells.filter((cell) => cell.qualified);
  const qualifiedContacts = chosen.reduce((n, cell) => n + cell.contacts, 0);
  const qualifiedConverters = chosen.reduce((n, cell) => n + cell.converters, 0);
  return {
    rows: { score: matrix.rows.score, bands: matrix.rows.bands.map((b) => b.name) },
    columns: { score: matrix.columns.score, bands: matrix.columns.bands.map((b) => b.name) },
    cells,
    qualified: {
      grades: chosen.map((cell) => cell.grade),
      contacts: qualifiedContacts,
      converters: qualifiedConverters,
      conversionRate: rate(qualifiedConverters, qualifiedContacts),
      recall: converters === 0 ? 0 : qualifiedConverters / converters,
    },
  };
}
