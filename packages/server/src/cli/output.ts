/** Human output: aligned label/value lines and small tables (what an operator reads in a terminal). */

/** `label  value` lines with the values in one column; empty values are left out. */
export function fields(rows: ReadonlyArray<readonly [string, string | undefined]>, indent = "  "): string {
  const shown = rows.filter((row): row is readonly [string, string] => row[1] !== undefined && row[1] !== "");
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join("\n");
}

/** A header row and rows, each column as wide as its widest cell; "(none)" when there are no rows. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return "(none)";
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Dates as operators compare them: UTC, to the second. */
export function when(date: Date | null): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}
