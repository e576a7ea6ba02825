import { Cron } from 'croner';
import { errors } from '../errors/errors.js';
import { describeThrown } from '../errors/trellis-error.js';
import type { RecurrenceSpec } from '../store/store.js';

/** When a recurring task runs next: the first occurrence strictly after `after` (epoch ms). */
export type NextOccurrence = (after: number) => number | undefined;

const DAILY_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Checks a recurrence and compiles it into a function from a time to the next occurrence. `anchor` is
 * when an `every` schedule was first declared: its runs fall on `anchor + k * every`, so a restart does
 * not shift them. Invalid input is `E_SCHEDULE_INVALID` saying what is wrong.
 */
export function compileRecurrence(spec: RecurrenceSpec, anchor: number, task: string): NextOccurrence {
  if (spec.timezone !== undefined) checkTimezone(spec.timezone, task);
  if (spec.every !== undefined) {
    const interval = spec.every;
    if (!(typeof interval === 'number' && Number.isFinite(interval) && interval >= 1))
      throw errors.scheduleInvalid(
        task,
        `the interval must be a number of ms of at least 1; got ${describeThrown(interval)}`,
      );
    return (after) => anchor + (Math.floor((after - anchor) / interval) + 1) * interval;
  }
  const pattern = spec.cron ?? dailyPattern(spec.daily, task);
  let cron: Cron;
  try {
    // Without a function croner only computes occurrences: it starts no timer.
    cron = new Cron(pattern, { timezone: spec.timezone });
  } catch (cause) {
    throw errors.scheduleInvalid(
      task,
      `'${pattern}' is not a valid cron expression (${describeThrown(cause)})`,
    );
  }
  if (cron.nextRun() === null)
    throw errors.scheduleInvalid(task, `the cron expression '${pattern}' never matches a future time`);
  return (after) => cron.nextRun(new Date(after))?.getTime();
}

function dailyPattern(time: string | undefined, task: string): string {
  const match = typeof time === 'string' ? DAILY_TIME.exec(time) : null;
  if (match === null)
    throw errors.scheduleInvalid(
      task,
      `a daily time must be 'HH:MM' (24 h, e.g. '09:30'); got ${describeThrown(time)}`,
    );
  return `${Number(match[2])} ${Number(match[1])} * * *`;
}

function checkTimezone(timezone: string, task: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw errors.scheduleInvalid(
      task,
      `'${timezone}' is not an IANA time zone (such as 'Europe/Paris' or 'UTC')`,
    );
  }
}

/**
 * The occurrences a schedule missed, from `due` (its first missed occurrence) up to `now`, by its
 * missed-run policy: none (`skip`), one (`once`, due at the first missed time), or each of them up to
 * `limit` (`catch-up`; the rest are skipped, which the caller reports).
 */
export function missedOccurrences(
  spec: RecurrenceSpec,
  next: NextOccurrence,
  due: number,
  now: number,
  limit: number,
): number[] {
  if (spec.missed === 'skip' || due > now) return [];
  if (spec.missed === 'once') return [due];
  const missed: number[] = [];
  for (let occurrence: number | undefined = due; occurrence !== undefined && occurrence <= now; ) {
    if (missed.push(occurrence) >= limit) break;
    occurrence = next(occurrence);
  }
  return missed;
}
