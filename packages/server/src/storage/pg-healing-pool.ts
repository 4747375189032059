import type pg from 'pg'
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely'
import { classifyStorageFault, markStorageError } from './storage-fault.ts'

/**
 * A pg client as Kysely sees it, which remembers whether its connection failed. pg-pool puts a
 * client back in the pool on `release()` unless it is told the client is broken; a client whose
 * query timed out on a silent network still looks healthy to pg (its query is merely pending), and
 * would hold up every later request given that client. Once broken, a client fails every further
 * query at once (Kysely's ROLLBACK after a failed query would otherwise wait out a second timeout),
 * and is destroyed on release, so the pool reconnects when the database is back.
 */
class HealingClient implements PostgresPoolClient {
  #broken?: Error
  #release?: (err?: Error | boolean) => void

  constructor(
    readonly client: pg.PoolClient,
    private readonly statementName: (text: string) => string | undefined,
  ) {}

  /** Called at each checkout with that checkout's release function. */
  checkout(release: (err?: Error | boolean) => void): this {
    this.#release = release
    return this
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') throw new Error('cursors are not used by Cairn')
    if (this.#broken) return Promise.reject(markStorageError(this.#broken))
    // pg types rows loosely; Kysely reads them as R, as its own driver does.
    const name = this.statementName(sqlOrCursor)
    const values = parameters as unknown[]
    const query = name ? { name, text: sqlOrCursor, values } : { text: sqlOrCursor, values }
    const result = this.client.query(query) as unknown as Promise<PostgresQueryResult<R>>
    return result.catch((error: unknown) => {
      if (isConnectionFault(error)) this.#broken = error as Error
      throw markStorageError(error)
    })
  }

  release(): void {
    const release = this.#release
    this.#release = undefined
    // An Error argument makes pg-pool remove the client and end its connection.
    release?.(this.#broken)
  }
}

/**
 * Faults after which the connection itself cannot be trusted any more. A statement timeout (57014)
 * or a lock timeout leave the connection usable, but the client-side read timeout does not.
 */
function isConnectionFault(error: unknown): boolean {
  const fault = classifyStorageFault(error)
  if (!fault) return false
  if (fault.kind === 'unreachable' || fault.kind === 'io') return true
  return fault.kind === 'timeout' && fault.cause !== '57014'
}

/**
 * Wraps a pg Pool for Kysely so that broken connections are dropped instead of reused (see
 * HealingClient). SQL texts that `statementName` names run as named prepared statements: PostgreSQL
 * parses and plans them once per connection instead of at every call. The wrapper of a pg client is kept for the client's lifetime: Kysely keys its
 * per-connection state (and its one-time `onCreateConnection` setup) by client object.
 */
export function healingPool(
  pool: pg.Pool,
  statementName: (text: string) => string | undefined = () => undefined,
): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, HealingClient>()
  return {
    connect: async () => {
      const client = await pool.connect().catch((error: unknown) => {
        throw markStorageError(error)
      })
      let wrapper = wrappers.get(client)
      if (!wrapper) {
        wrapper = new HealingClient(client, statementName)
        wrappers.set(client, wrapper)
      }
      return wrapper.checkout((err) => client.release(err))
    },
    end: () => pool.end(),
  }
}
