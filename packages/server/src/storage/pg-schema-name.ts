/**
 * Lower-case unquoted-style names only: PostgreSQL folds unquoted names to lower case and truncates
 * names past 63 bytes, either of which would make the schema we create differ from the one we query.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Validates a PostgreSQL schema name and returns it as a quoted identifier, safe to splice into SQL
 * (needed where no parameter can stand for an identifier, as in `SET search_path`).
 */
export function quotePgSchema(name: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new Error(`invalid PostgreSQL schema name "${name}": use lower-case letters, digits and _ (max 63)`)
  }
  return `"${name}"`
}

/** Escapes a value of the `options` startup parameter, where spaces separate arguments. */
export function escapeStartupOption(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')
}
