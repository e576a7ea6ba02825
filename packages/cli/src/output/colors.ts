import picocolors from 'picocolors';

/** The colour functions of picocolors (`red`, `green`, `bold`...), enabled or not. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/** What decides whether a stream gets colours. */
export interface ColorSettings {
  /** The environment (`NO_COLOR`, `FORCE_COLOR`, `TERM`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--color` (true) or `--no-color` (false); undefined when neither was given. */
  readonly flag?: boolean | undefined;
}

/**
 * Whether output to `stream` should be coloured: an explicit flag wins, then `NO_COLOR` (any non-empty
 * value, per no-color.org), then `FORCE_COLOR` (anything but `0` or `false`), then whether the stream is a
 * terminal that is not `dumb`. Unlike picocolors' own check, this looks at the stream written to, so
 * `trellis list | less` gets plain text while the same command's errors on a terminal stay coloured.
 */
export function colorEnabled(stream: { readonly isTTY?: boolean }, settings: ColorSettings): boolean {
  if (settings.flag !== undefined) return settings.flag;
  const { NO_COLOR: noColor, FORCE_COLOR: forceColor, TERM: term } = settings.env;
  if (noColor !== undefined && noColor !== '') return false;
  if (forceColor !== undefined) return forceColor !== '0' && forceColor !== 'false';
  return stream.isTTY === true && term !== 'dumb';
}

/** The colour functions for `stream`. */
export function colorsFor(stream: { readonly isTTY?: boolean }, settings: ColorSettings): Colors {
  return picocolors.createColors(colorEnabled(stream, settings));
}
