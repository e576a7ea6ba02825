import { HOST_CALLER } from '../capabilities/call-context.js';
import { errors } from '../errors/errors.js';
import type { TrellisError } from '../errors/trellis-error.js';
import type { EventBus, SubscriberFailure } from '../events/event-bus.js';
import type { Logger } from '../observability/logger.js';
import type { HostMetrics } from '../observability/metrics.js';
import type { CircuitState } from '../policies/circuit-breaker.js';
import type { PluginRuntime, PluginState, StateChange } from './plugin-runtime.js';

/** Announces every plugin state transition: `{ plugin, from, to, error? }`. */
export const PLUGIN_STATE_TOPIC = 'trellis.plugin.state';
/** Announces every circuit breaker state change: `{ capability, from, to }`. */
export const CIRCUIT_STATE_TOPIC = 'trellis.circuit.state';
/** Announces a subscriber that threw or rejected. */
export const SUBSCRIBER_FAILED_TOPIC = 'trellis.subscriber.failed';

/**
 * Tells the world what happens inside the host: each notable change is logged, counted where it has a
 * metric, and emitted as a `trellis.*` event that plugins and the host may subscribe to.
 */
export class HostAnnouncer {
  readonly #bus: EventBus;
  readonly #logger: Logger;
  readonly #metrics: HostMetrics;

  constructor(bus: EventBus, logger: Logger, metrics: HostMetrics) {
    this.#bus = bus;
    this.#logger = logger;
    this.#metrics = metrics;
  }

  /** A plugin changed state. */
  pluginState(
    runtime: PluginRuntime,
    from: PluginState,
    to: PluginState,
    error: TrellisError | undefined,
  ): void {
    // Thousands of transitions happen at boot; build log records and payloads only for someone to read.
    if (this.#logger.isLevelEnabled('debug'))
      this.#logger.debug({ plugin: runtime.name, from, to }, 'plugin state');
    const bus = this.#bus;
    if (bus.hasSubscribers(PLUGIN_STATE_TOPIC)) {
      const change: StateChange = { plugin: runtime.name, from, to, error };
      bus.publish(PLUGIN_STATE_TOPIC, { ...change, error: error?.toJSON() }, HOST_CALLER);
    }
  }

  /** A capability's circuit breaker changed state. */
  circuitState(capability: string, from: CircuitState, to: CircuitState): void {
    this.#metrics.recordCircuitState(capability, to);
    if (to === 'open')
      this.#logger.warn(
        { capability, from },
        'circuit opened: calls to the capability are refused for a while',
      );
    else this.#logger.info({ capability, from, to }, 'circuit state changed');
    this.#bus.publish(CIRCUIT_STATE_TOPIC, { capability, from, to }, HOST_CALLER);
  }

  /** An event subscriber threw or rejected; the emitter and the other subscribers were not affected. */
  subscriberFailure(failure: SubscriberFailure): void {
    const error = errors.subscriberFailed(failure.owner, failure.event.topic, failure.error);
    this.#metrics.recordSubscriberFailure(failure.owner);
    this.#logger.error(
      { plugin: failure.owner, topic: failure.event.topic, stage: failure.stage, err: failure.error },
      'event subscriber failed',
    );
    // A failing subscriber of the failure event itself must not start an endless loop.
    if (failure.event.topic === SUBSCRIBER_FAILED_TOPIC) return;
    this.#bus.publish(
      SUBSCRIBER_FAILED_TOPIC,
      {
        subscriber: failure.owner,
        pattern: failure.pattern,
        topic: failure.event.topic,
        source: failure.event.source,
        stage: failure.stage,
        error: error.toJSON(),
      },
      HOST_CALLER,
    );
  }
}
