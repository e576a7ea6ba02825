import type { Schema } from '@trellis/core';
import * as fc from 'fast-check';
import type { TestHost } from '../host/test-host.js';
import { arbitraryFromSchema } from '../property/arbitrary-from-schema.js';

/** How one call of a capability went. */
export type ProbeOutcome =
  | { readonly kind: 'result'; readonly value: unknown }
  | { readonly kind: 'error'; readonly error: unknown }
  /** Nothing was left on the fake clock and the call still had not answered. */
  | { readonly kind: 'hung' };

/** How long a probed call may take before it counts as hung: real ms idle, and fake ms in all. */
const HUNG_AFTER = { idleMs: 500, within: 10 * 60 * 1000 };
const GENERATED_SAMPLES = 3;

/** Calls `capability` as the host, moving the fake clock while it waits. */
export async function probe(testHost: TestHost, capability: string, params: unknown): Promise<ProbeOutcome> {
  let settled = false;
  const call = testHost.call(capability, params).finally(() => {
    settled = true;
  });
  try {
    return { kind: 'result', value: await testHost.clock.runUntilSettled(call, HUNG_AFTER) };
  } catch (error) {
    if (settled) return { kind: 'error', error };
    // The wait gave up while the call is still pending; its eventual rejection must not go unobserved.
    call.catch(() => undefined);
    return { kind: 'hung' };
  }
}

/**
 * The params to call a capability with: the author's samples when given, else a few generated from its
 * params schema, else a call without params.
 */
export function sampleParams(
  capability: string,
  schema: Schema | undefined,
  samples: Readonly<Record<string, readonly unknown[]>> | undefined,
  seed: number | undefined,
): readonly unknown[] {
  const given = samples?.[capability];
  if (given !== undefined) return given;
  if (schema === undefined) return [undefined];
  try {
    return fc.sample(arbitraryFromSchema(schema), {
      numRuns: GENERATED_SAMPLES,
      ...(seed === undefined ? {} : { seed }),
    });
  } catch {
    // A schema the kit cannot generate from: one call without params still shows the capability answers.
    return [undefined];
  }
}
