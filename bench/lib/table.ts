/** Markdown table printing for benchmark reports. */

export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

export interface TableOptions {
  /** Column order; default: keys in order of first appearance across rows. */
  columns?: readonly string[];
  /** Decimal places for non-integer numbers (default 2). */
  digits?: number;
}

export function formatCell(value: Cell, digits = 2): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'n/a';
    return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  }
  // A pipe would end the cell early in markdown.
  return String(value).replace(/\|/g, '\\|');
}

/** Rows of objects to a GitHub-flavoured markdown table; numbers are right-aligned. */
export function formatTable(rows: readonly Row[], options: TableOptions = {}): string {
  const digits = options.digits ?? 2;
  const columns: string[] = options.columns ? [...options.columns] : [];
  if (!options.columns) {
    for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  }
  if (columns.length === 0) return '';
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === 'number'));
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c], digits)));
  const widths = columns.map((c, i) => Math.max(3, c.length, ...cells.map((row) => row[i].length)));
  const pad = (s: string, i: number): string => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (parts: string[]): string => `| ${parts.join(' | ')} |`;
  const header = line(columns.map((c, i) => pad(c, i)));
  const rule = line(widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))));
  return [header, rule, ...cells.map((row) => line(row.map((s, i) => pad(s, i))))].join('\n');
}
