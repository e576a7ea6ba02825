// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width a string takes on a terminal: colour codes take none. */
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/**
 * Lays rows out in columns under `headers` (coloured cells keep their alignment), two spaces apart,
 * the last column unpadded so lines carry no trailing blanks.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visibleLength(cell)),
      )
      .join('  ');
  return [render(headers), ...rows.map(render)].join('\n');
}
