// The subset of better-sqlite3's API this package uses (its own package ships no types).
declare module 'better-sqlite3' {
  namespace Database {
    /** Options of the `Database` constructor. */
    interface Options {
      /** Ms a statement waits for another connection's lock before failing with `SQLITE_BUSY`. */
      readonly timeout?: number;
      readonly readonly?: boolean;
      readonly fileMustExist?: boolean;
    }

    /** What `Statement.run` reports. */
    interface RunResult {
      readonly changes: number;
      readonly lastInsertRowid: number | bigint;
    }

    /** A prepared statement; parameters are positional values or one object of named values. */
    interface Statement<Row = unknown> {
      run(...parameters: readonly unknown[]): RunResult;
      get(...parameters: readonly unknown[]): Row | undefined;
      all(...parameters: readonly unknown[]): Row[];
    }

    /** A function that runs inside `BEGIN`/`COMMIT`, rolled back when it throws. */
    interface Transaction<Work extends (...parameters: never[]) => unknown> {
      (...parameters: Parameters<Work>): ReturnType<Work>;
      /** Runs with `BEGIN IMMEDIATE`: takes the write lock before reading. */
      immediate(...parameters: Parameters<Work>): ReturnType<Work>;
    }

    /** The error better-sqlite3 throws for failures reported by SQLite. */
    class SqliteError extends Error {
      /** SQLite's (extended) result code, e.g. `SQLITE_BUSY` or `SQLITE_CORRUPT_INDEX`. */
      readonly code: string;
    }
  }

  /** One connection to a SQLite database file. */
  class Database {
    constructor(filename: string, options?: Database.Options);
    static readonly SqliteError: typeof Database.SqliteError;
    readonly open: boolean;
    readonly inTransaction: boolean;
    prepare<Row = unknown>(sql: string): Database.Statement<Row>;
    exec(sql: string): this;
    pragma(source: string, options?: { readonly simple?: boolean }): unknown;
    transaction<Work extends (...parameters: never[]) => unknown>(work: Work): Database.Transaction<Work>;
    close(): this;
  }

  export = Database;
}
