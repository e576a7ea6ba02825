import type { Host } from '../host/host.js';
import type { PluginContext } from '../plugin/plugin-context.js';

/** What a {@link Surface} adds to one plugin's context, and how it takes it away again. */
export interface SurfaceAttachment {
  /**
   * Properties added to the plugin's context, such as `http` or `ws`. An adapter declares their types by
   * augmenting `PluginContext` (`declare module '@trellis/core'`), the way Fastify decorators are typed.
   */
  readonly context: Readonly<Record<string, unknown>>;
  /**
   * Called when the plugin stops for any reason (teardown, disable, reload, failure): withdraw what it
   * contributed. Must not throw; the plugin is stopping either way.
   */
  detach(): void;
}

/**
 * A way into the host from outside the process, such as the HTTP gateway of `@trellis/http`: plugins
 * contribute to it through their context, and the host starts it once they are running and stops it
 * before they stop, so it never serves a plugin that is not there.
 */
export interface Surface {
  /** A short name for logs and errors (`http`). */
  readonly name: string;
  /**
   * Called as each plugin's context is created, before its setup runs. The names in the returned
   * `context` must not collide with the context's own members or another surface's.
   */
  attach(ctx: PluginContext): SurfaceAttachment;
  /** Called by `host.start()` after the plugins booted (start listening). A rejection fails the start. */
  start(host: Host): Promise<void>;
  /** Called by `host.stop()` before any plugin stops (stop accepting, finish what is in flight). */
  stop(): Promise<void>;
}
