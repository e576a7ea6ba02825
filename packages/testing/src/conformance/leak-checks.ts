import type { TestHost } from '../host/test-host.js';
import type { ConformanceRun } from './conformance-steps.js';
import { type HandleCounts, lingeringHandles } from './handle-snapshot.js';
import { timerTracker } from './timer-tracker.js';

/** A topic that `pattern` matches, to probe whether a subscription made with it is still there. */
function probeTopic(pattern: string): string {
  return pattern
    .split('.')
    .map((segment) => (segment === '*' || segment === '**' ? 'conformance-probe' : segment))
    .join('.');
}

/**
 * Looks for what the plugin left behind once every host of the run stopped: its timers still pending,
 * subscriptions still delivering, pools still holding resources, and handles (sockets, servers) opened
 * since the run began. Leaked timers are cleared once reported, so a failing plugin does not keep the
 * test process busy.
 */
export async function checkLeaks(
  run: ConformanceRun,
  stoppedHosts: readonly TestHost[],
  attributionKey: string,
  handlesBefore: HandleCounts,
): Promise<void> {
  const observer = run.observer;
  observer.retire();
  // The bus of a stopped host still routes: a subscription that survived the plugin would still be called.
  for (const stopped of stoppedHosts) {
    for (const pattern of observer.subscriptions)
      await stopped.host.emit(probeTopic(pattern), { conformanceProbe: true }).catch(() => undefined);
    await stopped.clock.settle();
  }
  for (const pattern of new Set(observer.lateDeliveries.map((delivery) => delivery.pattern))) {
    run.findings.add(
      'leaks',
      `its subscription to '${pattern}' still received events after it stopped`,
      'Subscribe through ctx.on only (the host ends those subscriptions), not through another plugin or host object.',
      { pattern },
    );
  }

  const timers = timerTracker.pending(attributionKey);
  for (const timer of timers) {
    run.findings.add(
      'leaks',
      `a ${timer.kind}${timer.delayMs === undefined ? '' : ` of ${timer.delayMs} ms`} it made at ${timer.location} is still pending after it stopped`,
      `Clear it in teardown, or clear it when ctx.signal aborts: ctx.signal.addEventListener('abort', () => clear${timer.kind.slice(3)}(timer)).`,
      { kind: timer.kind, delayMs: timer.delayMs, location: timer.location },
    );
  }
  timerTracker.clear(timers);
  timerTracker.forget(attributionKey);

  for (const { name, pool } of observer.pools) {
    const stats = pool.stats();
    if (stats.size > 0 || stats.borrowed > 0 || stats.pending > 0) {
      run.findings.add(
        'leaks',
        `its pool '${name}' still holds ${stats.size} resource(s) (${stats.borrowed} borrowed) after it stopped`,
        'Release every borrowed resource (use pool.use(fn), which always releases) so the host can drain the pool.',
        { pool: name, ...stats },
      );
    }
  }

  for (const { type, count } of await lingeringHandles(handlesBefore)) {
    run.findings.add(
      'leaks',
      `${count} ${type} handle(s) opened while it ran are still open after it stopped`,
      'Close the servers, sockets and watchers it opens in teardown (and await their close).',
      { type, count },
    );
  }
}
