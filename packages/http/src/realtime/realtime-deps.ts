import type { Host, Logger } from '@trellis/core';
import type { Authenticator } from '../auth/auth-types.js';

/** What the WebSocket hub and the GraphQL gateway need from the HTTP surface that owns them. */
export interface RealtimeDeps {
  /** Verifies the credentials of WebSocket upgrades and GraphQL requests. */
  readonly authenticator: Authenticator;
  /** Where connection and resolver failures are logged. */
  readonly logger: Logger;
  /** The running host, once the surface started; resolvers call capabilities through it. */
  host(): Host | undefined;
}
