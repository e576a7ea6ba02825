import { isThenable } from '../async/thenable.js';
import type { CallContext } from '../capabilities/call-context.js';
import type { DeadlineScheduler } from '../clock/deadline-scheduler.js';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';
import type { Terminal } from '../middleware/middleware.js';

/**
 * The per-attempt deadline and the caller's signal, as a pipeline stage. Calls with neither go straight
 * through: the check costs two field reads. A handler that answers synchronously needs no timer either.
 * Otherwise the attempt races its deadline (on the host's shared {@link DeadlineScheduler}) and the
 * caller's signal; the handler learns through `call.signal` and may keep running, but the caller gets
 * `E_TIMEOUT` / `E_ABORTED` on time.
 */
export function withDeadline(next: Terminal, capability: string, deadlines: DeadlineScheduler): Terminal {
  return (call) =>
    call.deadline === undefined && call.callerSignal === undefined
      ? next(call)
      : guarded(next, call, capability, deadlines);
}

function guarded(
  next: Terminal,
  call: CallContext,
  capability: string,
  deadlines: DeadlineScheduler,
): unknown {
  const callerSignal = call.callerSignal;
  if (callerSignal?.aborted) throw errors.aborted(capability, callerSignal.reason);
  // Only an inherited deadline can already have passed (a fresh one lies ahead by construction); checking
  // just then saves a clock read on every top-level call. A deadline that passes while queued fires on
  // the scheduler's next turn.
  if (call.depth > 0 && call.deadline !== undefined && call.deadline <= deadlines.now())
    throw errors.timeout(capability, 0);
  const outcome = next(call);
  if (!isThenable(outcome)) return outcome;

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = () => {
      settled = true;
      if (deadline !== undefined) deadlines.cancel(deadline);
      callerSignal?.removeEventListener('abort', onAbort);
    };
    const abandon = (error: TrellisError) => {
      if (settled) return;
      finish();
      call.abort(error);
      reject(error);
    };
    const onAbort = () => abandon(errors.aborted(capability, callerSignal?.reason));
    const deadline =
      call.deadline === undefined
        ? undefined
        : deadlines.schedule(call.deadline, () =>
            abandon(errors.timeout(capability, Math.round(call.timeoutMs ?? 0))),
          );
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    outcome.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        reject(error);
      },
    );
  });
}
