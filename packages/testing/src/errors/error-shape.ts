import { TrellisError } from '@trellis/core';

/**
 * A TrellisError recognised by its shape as well as its class: a test may run a kernel built from sources
 * next to the published one, and each has its own `TrellisError` class.
 */
export interface TrellisErrorLike extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** True when `value` is a TrellisError of any copy of the kernel (optionally with `code`). */
export function isTrellisErrorLike(value: unknown, code?: string): value is TrellisErrorLike {
  const shaped =
    value instanceof TrellisError ||
    (value instanceof Error &&
      value.name === 'TrellisError' &&
      typeof (value as { code?: unknown }).code === 'string' &&
      typeof (value as { details?: unknown }).details === 'object');
  return shaped && (code === undefined || (value as TrellisErrorLike).code === code);
}

const MAX_CAUSES = 16;

/** `error`, its cause, the cause's cause... (serialised causes included), at most 16 deep. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  while (current !== undefined && current !== null && chain.length < MAX_CAUSES) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

/** The first error of the chain with `code`, live or serialised (`{ code, message, details }`). */
export function findCode(
  error: unknown,
  code: string,
): { readonly code: string; readonly message: string; readonly details?: unknown } | undefined {
  for (const link of causeChain(error)) {
    if (typeof link === 'object' && link !== null && (link as { code?: unknown }).code === code)
      return link as { code: string; message: string; details?: unknown };
  }
  return undefined;
}

/**
 * What a capability's handler threw when it was not a TrellisError: the kernel wraps such a value in
 * `E_CAPABILITY_FAILED` naming the capability, with the value as cause. `undefined` for anything else
 * (success, a TrellisError of the handler, or a failure of another capability passed through).
 */
export function foreignThrowOf(error: unknown, capability: string): { readonly thrown: unknown } | undefined {
  if (!isTrellisErrorLike(error, 'E_CAPABILITY_FAILED')) return undefined;
  if (error.details.capability !== capability) return undefined;
  const cause = (error as { cause?: unknown }).cause;
  return isTrellisErrorLike(cause) ? undefined : { thrown: cause };
}

/** A short description of any thrown value, for messages. */
export function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
