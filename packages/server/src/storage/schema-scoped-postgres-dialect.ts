import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely'

/**
 * Kysely's PostgreSQL introspector lists the tables of every schema of the database, calling
 * has_schema_privilege() on each: when another schema is dropped during that scan (another Cairn
 * schema, a test suite, an operator), the scan fails with invalid_schema_name (3F000) and so does the
 * migration of a server that is starting. Cairn only ever needs to know about its own schema, so this
 * introspector looks there and nowhere else. Table metadata carries names only: the migrator, its
 * one user, needs nothing more.
 */
class SchemaScopedIntrospector implements DatabaseIntrospector {
  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the catalog is not in Database
    private readonly db: Kysely<any>,
    private readonly schema: string,
  ) {}

  /** The schema itself, if it exists. */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_catalog.pg_namespace where nspname = ${this.schema}`.execute(this.db)
    return rows.map((r) => ({ name: r.name }))
  }

  /** Tables and views of the schema (Kysely's own migration tables included). */
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = ${this.schema} and c.relkind in ('r', 'p', 'v', 'm')
       order by c.relname`.execute(this.db)
    return rows.map((r) => ({
      name: r.name,
      schema: this.schema,
      isView: r.kind === 'v' || r.kind === 'm',
      columns: [],
    }))
  }

  /** Deprecated by Kysely; the same tables. */
  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() }
  }
}

/** Kysely's PostgreSQL dialect whose introspection stays within one schema (see SchemaScopedIntrospector). */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly schema: string,
  ) {
    super(config)
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.schema)
  }
}
