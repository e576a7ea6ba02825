import { stateAndTasks } from './0001-state-and-tasks.js';
import type { Migration } from './migration.js';

/** Every migration of this package's schema, oldest first; {@link migrate} applies the ones a file lacks. */
export const MIGRATIONS: readonly Migration[] = [stateAndTasks];

/** The schema version this package writes: the version of its last migration. */
export const SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;
