/** Formatting of figures and result rows for `RESULTS.md`. */

/** `2.13M ops/s`, `712k ops/s`. */
export function formatOps(value) {
  if (value === undefined) return 'failed';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M ops/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)}k ops/s`;
  return `${value.toFixed(0)} ops/s`;
}

/** `52.3 ms`. */
export function formatMs(value) {
  if (value === undefined) return 'failed';
  return `${value >= 100 ? value.toFixed(0) : value < 1 ? value.toFixed(3) : value.toFixed(1)} ms`;
}

/** `45.2 MB`. */
export function formatMb(value) {
  if (value === undefined) return 'failed';
  return `${value.toFixed(1)} MB`;
}

/** `2.41x`. */
export function formatRatio(value) {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/**
 * One table row comparing a trellis figure with a peer's. The ratio is always trellis ÷ peer. `check`
 * decides whether the budget is met from `{ ratio, trellis, peer }`; a string instead (such as
 * `pending policies`) is shown as is, and no check means the row is informative. A missing figure (a
 * contestant that failed) makes the row failed rather than silently met.
 */
export function comparison({ benchmark, trellis, peer, format, budget = '—', check }) {
  const ratio = trellis !== undefined && peer !== undefined ? trellis / peer : undefined;
  let met;
  if (typeof check === 'function') {
    // A comparison against a failed peer has no ratio; `undefined >= 2` is false, so it is not met either.
    met = trellis === undefined ? false : Boolean(check({ ratio, trellis, peer }));
  } else {
    met = check;
  }
  return {
    benchmark,
    trellis: format(trellis),
    peer: peer === null ? '—' : format(peer),
    ratio: formatRatio(ratio),
    budget,
    met,
  };
}

/** The figure `key` of a contestant's result, or undefined when it failed. */
export function figure(results, contestant, key) {
  const result = results[contestant];
  return result === undefined || result.error !== undefined ? undefined : result[key];
}

/** Renders a row's `met` cell. */
export function formatMet(met) {
  if (met === true) return 'yes';
  if (met === false) return '**NO**';
  if (typeof met === 'string') return `_${met}_`;
  return '—';
}
