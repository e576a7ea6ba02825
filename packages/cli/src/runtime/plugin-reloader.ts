import { sep } from 'node:path';
import type { Host } from '@trellis/core';
import { type PluginSource, readPluginPackage } from '../discovery/plugin-package.js';
import { cliErrors } from '../errors/cli-errors.js';
import { loadPlugin } from '../loading/load-plugin.js';

/**
 * Reloads plugins from their source while the host runs: re-reads the package.json manifest, imports
 * the code fresh, checks it as at startup, then hands it to `host.reload`, which swaps it in with calls
 * waiting (not failing) and rolls back when the new version cannot start. When anything before the
 * swap fails (a syntax error, a broken import, an invalid manifest), the running version is untouched.
 * Reloads of one plugin run one after another, so the last edit always wins.
 */
export class PluginReloader {
  readonly #host: Host;
  readonly #sources = new Map<string, PluginSource>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(host: Host, sources: readonly PluginSource[]) {
    this.#host = host;
    for (const source of sources) this.#sources.set(source.name, source);
  }

  /** Where a plugin of the host came from. */
  source(name: string): PluginSource | undefined {
    return this.#sources.get(name);
  }

  /** The plugin whose package directory contains `file`, if any. */
  pluginAt(file: string): string | undefined {
    for (const source of this.#sources.values()) {
      const directory = source.directory;
      if (directory !== undefined && (file === directory || file.startsWith(`${directory}${sep}`)))
        return source.name;
    }
    return undefined;
  }

  /**
   * Reloads `name` with fresh code (plugins from the config file re-run their current definition).
   *
   * @throws TrellisError the loading problem (`E_PLUGIN_IMPORT_FAILED`, `E_MANIFEST_INVALID`...), with
   *   the old version still running, or the host's `E_RELOAD_FAILED` after its rollback.
   */
  reload(name: string): Promise<void> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const next = previous.then(
      () => this.#reloadNow(name),
      () => this.#reloadNow(name),
    );
    this.#queues.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }

  async #reloadNow(name: string): Promise<void> {
    const source = this.#sources.get(name);
    if (source === undefined || source.directory === undefined || source.origin === 'config') {
      await this.#host.reload(name);
      return;
    }
    const reading = await readPluginPackage(source.directory, source.origin);
    if (reading.kind === 'broken') throw reading.error;
    if (reading.kind === 'not-a-plugin') throw cliErrors.pluginPackageMissing(source.directory);
    if (reading.source.name !== name)
      throw cliErrors.pluginRenamed(source.directory, name, reading.source.name);
    const outcome = await loadPlugin(reading.source, { fresh: true });
    if (outcome.loaded === undefined) {
      const [first] = outcome.problems;
      throw first === undefined ? cliErrors.pluginPackageMissing(source.directory) : first.error;
    }
    await this.#host.reload(name, outcome.loaded.plugin);
    this.#sources.set(name, reading.source);
  }
}
