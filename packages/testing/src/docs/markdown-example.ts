import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { vi } from 'vitest';
import { testingErrors } from '../errors/testing-errors.js';

/** Options of {@link runMarkdownExample}. */
export interface MarkdownExampleOptions {
  /**
   * Where the example is written before it is imported. Its imports resolve from there, so pick a
   * directory inside the package whose README it is (a `.generated` folder next to the test, ignored by
   * git). Created when missing; the example's file is removed again after it ran.
   */
  readonly scratchDirectory: string;
  /** Which code block of the language, from 0 (0). */
  readonly index?: number;
  /** The code block's language tag (`ts`). */
  readonly language?: string;
  /** Text replacements applied before it runs, e.g. to point a package import at its sources. */
  readonly replace?: ReadonlyArray<readonly [search: string, replacement: string]>;
  /** The scratch file's name (derived from the Markdown file and the index when absent). */
  readonly fileName?: string;
}

/** The code blocks of `language` in `markdown`, in order. */
export function markdownCodeBlocks(markdown: string, language = 'ts'): string[] {
  const fence = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...markdown.matchAll(fence)].map((match) => match[1] ?? '');
}

/**
 * Runs a code block of a Markdown file (a README's example) as written, as its readers would, and
 * resolves with the lines it printed through `console.log` (strings as they are, other values as JSON,
 * several arguments joined by a space). Docs that run in the tests cannot drift from the code.
 *
 * @throws TrellisError `E_EXAMPLE_MISSING` when the file has no such block.
 */
export async function runMarkdownExample(
  markdownPath: string,
  options: MarkdownExampleOptions,
): Promise<string[]> {
  const index = options.index ?? 0;
  const language = options.language ?? 'ts';
  const blocks = markdownCodeBlocks(readFileSync(markdownPath, 'utf8'), language);
  let code = blocks[index];
  if (code === undefined) throw testingErrors.exampleMissing(markdownPath, language, index, blocks.length);
  for (const [search, replacement] of options.replace ?? []) code = code.replaceAll(search, replacement);
  mkdirSync(options.scratchDirectory, { recursive: true });
  const name = options.fileName ?? `${basename(markdownPath, '.md').toLowerCase()}-${index + 1}.${language}`;
  const file = join(options.scratchDirectory, name);
  writeFileSync(file, code);
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
    printed.push(
      values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(' '),
    );
  });
  try {
    await import(file);
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
  return printed;
}
