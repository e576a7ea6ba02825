import { existsSync } from 'node:fs';
import { basename, relative, sep } from 'node:path';
import { TrellisError } from '@trellis/core';
import { type FSWatcher, watch } from 'chokidar';
import { describeCause } from '../errors/cli-errors.js';
import { type ServeOptions, type Serving, serve } from '../runtime/serve.js';

/** Options of `trellis dev`: those of `trellis start`, plus how long to wait for edits to settle. */
export interface DevOptions extends ServeOptions {
  /** Ms without further changes before a plugin is reloaded (editors save in several writes). */
  readonly debounceMs: number;
}

/** The key of changes that need a full restart rather than one plugin's reload. */
const RESTART = Symbol('restart');
type ChangeKey = string | typeof RESTART;

const IGNORED_SEGMENTS = new Set(['node_modules', '.git', '.trellis', 'coverage']);

/** Files whose changes never matter to a running plugin. */
function ignored(path: string): boolean {
  return path.split(sep).some((segment) => IGNORED_SEGMENTS.has(segment)) || basename(path).endsWith('~');
}

/**
 * `trellis dev`: serves the project like `trellis start` and watches it. An edit inside a plugin's
 * package reloads that plugin (and, through the host, its dependents) with fresh code while the server
 * keeps answering; a broken edit leaves the running version in place and prints why. Edits that change
 * the set of plugins (the config file, a new or newly fixed plugin package) restart the host instead.
 * Changes are debounced per plugin and applied one after another.
 */
export class DevServer {
  readonly #options: DevOptions;
  #serving: Serving | undefined;
  #watcher: FSWatcher | undefined;
  #watched = new Set<string>();
  readonly #timers = new Map<ChangeKey, NodeJS.Timeout>();
  #work: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: DevOptions, serving: Serving) {
    this.#options = options;
    this.#serving = serving;
  }

  /** Serves the project and starts watching; resolves once changes are being watched. */
  static async start(options: DevOptions): Promise<DevServer> {
    const server = new DevServer(options, await serve(options));
    await server.#watch();
    return server;
  }

  /** The running project, or undefined while a failed restart waits for a fix. */
  get serving(): Serving | undefined {
    return this.#serving;
  }

  /** Stops watching, waits for the reload in progress, and stops the host. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#watcher?.close();
    await this.#work;
    await this.#serving?.stop();
    this.#serving = undefined;
  }

  /** What to watch: each plugin directory (new packages appear there) and the config file. */
  #targets(): string[] {
    const settings = this.#serving?.inspected.project.settings;
    if (settings === undefined) return [...this.#watched];
    const targets = settings.pluginDirs.filter((directory) => existsSync(directory));
    if (settings.configFile !== undefined) targets.push(settings.configFile);
    return targets;
  }

  async #watch(): Promise<void> {
    const targets = this.#targets();
    this.#watched = new Set(targets);
    const watcher = watch(targets, { ignoreInitial: true, ignored });
    this.#watcher = watcher;
    watcher.on('all', (_event, path) => this.#changed(path));
    watcher.on('error', (error) => this.#options.out.warn(`watching files failed: ${describeCause(error)}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    const out = this.#options.out;
    const root = this.#serving?.inspected.project.settings.root ?? out.io.cwd;
    out.line(
      `${out.colors.green('➜')} watching ${targets.map((target) => relative(root, target) || '.').join(', ') || 'nothing'} for changes`,
    );
  }

  /** After a restart the plugin directories or config file may have changed: watch the new set. */
  #rewatch(): void {
    const targets = new Set(this.#targets());
    const added = [...targets].filter((target) => !this.#watched.has(target));
    const removed = [...this.#watched].filter((target) => !targets.has(target));
    if (added.length > 0) this.#watcher?.add(added);
    if (removed.length > 0) this.#watcher?.unwatch(removed);
    this.#watched = targets;
  }

  #changed(path: string): void {
    if (this.#closed) return;
    const serving = this.#serving;
    const settings = serving?.inspected.project.settings;
    const plugin = path === settings?.configFile ? undefined : serving?.reloader.pluginAt(path);
    const registered = plugin !== undefined && serving?.host.plugins().some((info) => info.name === plugin);
    const key: ChangeKey = registered ? plugin : RESTART;
    const pending = this.#timers.get(key);
    if (pending !== undefined) clearTimeout(pending);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.#work = this.#work.then(() => (key === RESTART ? this.#restart() : this.#reload(key)));
      }, this.#options.debounceMs),
    );
  }

  async #reload(name: string): Promise<void> {
    const serving = this.#serving;
    if (this.#closed || serving === undefined) return;
    const out = this.#options.out;
    const startedAt = performance.now();
    try {
      await serving.reloader.reload(name);
      out.line(`${out.colors.green('↻')} reloaded ${name} (${Math.round(performance.now() - startedAt)} ms)`);
    } catch (error) {
      if (TrellisError.is(error, 'E_PLUGIN_RENAMED')) {
        await this.#restart();
        return;
      }
      out.error(error as Error);
      out.warn(`${name} keeps running its previous version; save a fix to try again`);
    }
  }

  async #restart(): Promise<void> {
    if (this.#closed) return;
    const out = this.#options.out;
    out.line(`${out.colors.yellow('↻')} the set of plugins or the config changed: restarting`);
    // Asked for any free port, the server keeps the one it got, so open browsers and clients still reach it.
    const keptPort = this.#options.flags.port === 0 ? this.#serving?.gateway.address?.port : undefined;
    await this.#serving?.stop();
    this.#serving = undefined;
    try {
      const flags = keptPort === undefined ? this.#options.flags : { ...this.#options.flags, port: keptPort };
      this.#serving = await serve({ ...this.#options, flags, fresh: true });
    } catch (error) {
      out.error(error as Error);
      out.warn('no host is running; save a fix to try again');
    }
    this.#rewatch();
  }
}
