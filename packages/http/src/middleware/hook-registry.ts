import { errors } from '@trellis/core';
import type { ChainStep } from '../routes/compiled-route.js';
import type { HookStage, HttpHook, HttpHookOptions, HttpRequest } from '../routes/route-types.js';

/** The stages of plugin HTTP middleware, in the order they run. */
export const HOOK_STAGES: readonly HookStage[] = ['request', 'authenticated', 'handler'];

/** One hook a plugin contributed. */
export interface HookEntry {
  readonly plugin: string;
  readonly stage: HookStage;
  readonly scope: 'plugin' | 'host';
  readonly name: string;
  readonly hook: HttpHook;
}

/**
 * The HTTP middleware plugins contribute with `ctx.http.use`. Within a stage, host-scoped hooks run
 * first (outermost), ordered by plugin name and then in the order each plugin added them, so the chain
 * does not depend on which parallel setup finished first; the route owner's own plugin-scoped hooks
 * follow, innermost, in the order it added them.
 */
export class HookRegistry {
  readonly #entries: HookEntry[] = [];
  readonly #onChange: () => void;

  /** @param onChange - told when hooks come or go, so routes recompile their chains. */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Adds `plugin`'s hook; see `PluginHttp.use`. */
  add(plugin: string, hook: HttpHook, options: HttpHookOptions = {}): void {
    if (typeof hook !== 'function')
      throw errors.invalidArgument('HTTP middleware', 'a function (request, reply, next) => result', hook);
    const stage = options.stage ?? 'request';
    if (!HOOK_STAGES.includes(stage))
      throw errors.invalidArgument(
        'The stage of HTTP middleware',
        HOOK_STAGES.map((name) => `'${name}'`).join(', '),
        stage,
      );
    const scope = options.scope ?? 'plugin';
    if (scope !== 'plugin' && scope !== 'host')
      throw errors.invalidArgument('The scope of HTTP middleware', "'plugin' or 'host'", scope);
    const name = `${plugin}:${options.name ?? (hook.name || 'anonymous')}`;
    this.#entries.push({ plugin, stage, scope, name, hook });
    this.#entries.sort(compareEntries);
    this.#onChange();
  }

  /** Removes every hook `plugin` contributed (it stopped). */
  removeHooksOf(plugin: string): void {
    const before = this.#entries.length;
    const kept = this.#entries.filter((entry) => entry.plugin !== plugin);
    if (kept.length === before) return;
    this.#entries.splice(0, before, ...kept);
    this.#onChange();
  }

  /** The hooks that apply to a route of `owner` at `stage`, outermost first. */
  hooksFor(owner: string, stage: HookStage): HookEntry[] {
    return this.#entries.filter(
      (entry) => entry.stage === stage && (entry.scope === 'host' || entry.plugin === owner),
    );
  }

  /** A hook as a chain step. */
  static step(entry: HookEntry): ChainStep {
    const hook = entry.hook;
    return (request, next) => hook(request as unknown as HttpRequest, request.reply, next);
  }
}

/**
 * Host-scoped before plugin-scoped, then by plugin name; `Array.prototype.sort` is stable, so each
 * plugin's hooks keep the order it added them in.
 */
function compareEntries(first: HookEntry, second: HookEntry): number {
  if (first.scope !== second.scope) return first.scope === 'host' ? -1 : 1;
  return first.plugin < second.plugin ? -1 : first.plugin > second.plugin ? 1 : 0;
}
