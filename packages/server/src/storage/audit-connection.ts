/**
 * How a thread other than the storage's own opens the access log's tables: the audit writer thread
 * (audit/audit-writer-thread.ts) appends with a connection of its own, so that hashing and inserting
 * the entries never run on the event loop that serves requests. Holds no open handle, only what is
 * needed to open one.
 */
export type AuditConnection =
  | {
      readonly dialect: 'sqlite'
      /** The access log's SQLite file (`audit.db` in the data directory). */
      readonly file: string
      /** How long a write waits for another connection's lock (ms). */
      readonly busyTimeoutMs: number
    }
  | {
      readonly dialect: 'postgres'
      readonly databaseUrl: string
      /** Schema holding the tables (the search_path of the connection). */
      readonly schema: string
      /** Time limits of the writer's connection (ms), as the pool's. */
      readonly connectMs: number
      readonly statementMs: number
    }
