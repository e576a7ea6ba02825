/** One step of the database schema. Published migrations never change; a new schema is a new migration. */
export interface Migration {
  /** Position in the list: 1 for the first migration, then 2, 3... */
  readonly version: number;
  /** What the step does, kept in `schema_migrations` for people inspecting a database. */
  readonly name: string;
  /** DDL run once, inside the transaction that records the version. */
  readonly sql: string;
}
