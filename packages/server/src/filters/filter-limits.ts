/**
 * Most leaf filters in one filter, all compositions counted: each leaf is a subquery of the statement.
 * The same bound as codings'; users' filters share both limits.
 */
export const MAX_FILTER_LEAVES = 50
/**
 * Most values (ids, terms) in one filter, all leaves counted: each is a bound parameter, and the
 * statement must stay far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
 */
export const MAX_FILTER_QUERY_VALUES = 10_000
