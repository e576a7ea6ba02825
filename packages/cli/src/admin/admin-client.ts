import { TrellisError } from '@trellis/core';
import { cliErrors } from '../errors/cli-errors.js';
import {
  ADMIN_PATH,
  ADMIN_SCHEME,
  type AdminAction,
  type PluginDetail,
  type PluginStatus,
} from './admin-api.js';

/** What `POST /_trellis/plugins/:name/:action` answers. */
export interface ActionResult {
  readonly action: AdminAction;
  readonly plugin: PluginStatus;
  readonly plugins: readonly PluginStatus[];
}

/** Reloads and disables wait for in-flight calls to drain, so they get longer than a listing. */
const ACTION_TIMEOUT_MS = 120_000;
const READ_TIMEOUT_MS = 15_000;

function isErrorBody(
  value: unknown,
): value is { error: { code: string; message: string; details?: Record<string, unknown> } } {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/**
 * The CLI's side of the admin API of a running host. Each method resolves with the host's answer or
 * rejects with a TrellisError: the host's own (`E_PLUGIN_NOT_FOUND`, `E_RELOAD_FAILED`, a 401
 * `E_UNAUTHENTICATED`...), or `E_ADMIN_UNREACHABLE` / `E_ADMIN_RESPONSE_INVALID` when no host answered.
 */
export class AdminClient {
  readonly #url: string;
  readonly #token: string | undefined;

  constructor(url: string, token: string | undefined) {
    this.#url = url.replace(/\/+$/, '');
    this.#token = token;
  }

  /** Every plugin of the host (the admin plugin left out). */
  async plugins(): Promise<PluginStatus[]> {
    const body = (await this.#request('GET', '/plugins', READ_TIMEOUT_MS)) as { plugins: PluginStatus[] };
    return body.plugins;
  }

  /** One plugin, with its routes. */
  async plugin(name: string): Promise<PluginDetail> {
    const body = (await this.#request('GET', `/plugins/${encodeURIComponent(name)}`, READ_TIMEOUT_MS)) as {
      plugin: PluginDetail;
    };
    return body.plugin;
  }

  /** Enables, disables or reloads a plugin; resolves once the host has done it. */
  async act(name: string, action: AdminAction): Promise<ActionResult> {
    return (await this.#request(
      'POST',
      `/plugins/${encodeURIComponent(name)}/${action}`,
      ACTION_TIMEOUT_MS,
    )) as ActionResult;
  }

  async #request(method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<unknown> {
    const url = `${this.#url}${ADMIN_PATH}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: this.#token === undefined ? {} : { authorization: `${ADMIN_SCHEME} ${this.#token}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw cliErrors.adminUnreachable(this.#url, (cause as { cause?: unknown }).cause ?? cause);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw cliErrors.adminResponseInvalid(url, response.status);
    }
    if (response.ok) return body;
    if (!isErrorBody(body)) throw cliErrors.adminResponseInvalid(url, response.status);
    const { code, message, details } = body.error;
    return Promise.reject(
      new TrellisError(code, message, { details: { ...details, status: response.status } }),
    );
  }
}
