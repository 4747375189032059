import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely'
import { EVERY_DOCUMENT_TERM, type IndexQuery, type PageOrder } from './index-query.ts'
import { TABLES, indexTable, type DocTable } from './storage-tables.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- index tables have names built at run time
type AnyDb = Kysely<any>
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- same reason
type AnyEb = ExpressionBuilder<any, any>

/**
 * Where a query starts reading: the rows it walks in order, before the other conditions are checked
 * on each. Chosen by `plan` from the query alone (no statistics): a selective index range drives, so
 * that a filter on one patient reads that patient's rows, not every row the caller can read.
 */
type Driver =
  /** The accessor's rows of the access index, in id order (primary key). */
  | { readonly kind: 'access' }
  /** The document table itself (searches without an accessor: directories), in id order. */
  | { readonly kind: 'docs' }
  /** Rows of the term index for some terms and a value range: in value order for one term. */
  | { readonly kind: 'term'; readonly terms: readonly string[]; readonly min?: number; readonly max?: number }
  /** Rows of the name index whose name starts with a prefix. */
  | { readonly kind: 'name'; readonly prefix: string }

/** How a query is answered: the driver, and the conditions checked on each row it yields. */
export interface QueryPlan {
  readonly driver: Driver
  readonly rest: readonly IndexQuery[]
  /** True when nothing can match (an empty list somewhere in the conjunction): no SQL at all. */
  readonly empty: boolean
}

/** The conjuncts of a query, nested `and`s flattened, `all` dropped, unions of terms merged. */
function conjuncts(query: IndexQuery): IndexQuery[] {
  if (query.op === 'and') return query.of.flatMap(conjuncts)
  if (query.op === 'or') return [termUnion(query) ?? query]
  return query.op === 'all' ? [] : [query]
}

/**
 * A union of term queries over the same date range is one term query with every term (a document
 * holding any of them): it can then drive, as MedTech's `forPatients` over several patients does,
 * instead of a walk of every row the caller can read. Undefined for any other union.
 */
function termUnion(query: Extract<IndexQuery, { op: 'or' }>): IndexQuery | undefined {
  const branches: IndexQuery[] = []
  const flatten = (q: IndexQuery): void => (q.op === 'or' ? q.of.forEach(flatten) : void branches.push(q))
  flatten(query)
  const terms = branches.filter((b): b is Extract<IndexQuery, { op: 'term' }> => b.op === 'term')
  if (terms.length === 0 || terms.length !== branches.length) return undefined
  const [{ min, max }] = terms
  if (terms.some((t) => t.min !== min || t.max !== max)) return undefined
  return {
    op: 'term',
    terms: [...new Set(terms.flatMap((t) => t.terms))],
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  }
}

/**
 * Rank of a conjunct as a driver (lower drives first): a patient's secret id, an identifier or a
 * linked element selects a handful of rows; a code or label some share of them; a name prefix more;
 * a bare date range possibly everything.
 */
function driverRank(q: IndexQuery): number {
  if (q.op === 'term') {
    if (q.terms.length === 0) return 0
    const first = q.terms[0]
    if (first === EVERY_DOCUMENT_TERM) return 5
    if (/^(sfk|id|he|ssin):/.test(first)) return 1
    return first.includes('|') ? 2 : 3
  }
  if (q.op === 'name') return 4
  return Number.POSITIVE_INFINITY
}

/**
 * Chooses the driver of `query` for `table`. Value order needs a term driver (rows carry the value):
 * the best term conjunct, else every document's term. Id order uses the best selective conjunct, or
 * walks the base rows (access index or documents) in id order, ids then being looked up by key.
 */
export function plan(query: IndexQuery, order: PageOrder, restricted: boolean): QueryPlan {
  const all = conjuncts(query)
  const empty = all.some(
    (q) =>
      q.op === 'none' ||
      (q.op === 'ids' && q.ids.length === 0) ||
      (q.op === 'term' && q.terms.length === 0) ||
      (q.op === 'or' && q.of.length === 0),
  )
  const base: Driver = restricted ? { kind: 'access' } : { kind: 'docs' }
  const candidates = all
    .filter((q) => q.op === 'term' || (q.op === 'name' && order.by === 'id'))
    .sort((a, b) => driverRank(a) - driverRank(b))
  const hasIds = all.some((q) => q.op === 'ids')
  const best = candidates[0]
  if (order.by === 'value') {
    const term = candidates.find((q) => q.op === 'term')
    if (term?.op === 'term') return withRange(term, all, empty)
    return { driver: { kind: 'term', terms: [EVERY_DOCUMENT_TERM] }, rest: all, empty }
  }
  // By-ids lookups on the base's primary key beat any index range.
  if (hasIds || !best) return { driver: base, rest: all, empty }
  if (best.op === 'term') return withRange(best, all, empty)
  const driver: Driver = { kind: 'name', prefix: (best as { prefix: string }).prefix }
  return { driver, rest: all.filter((q) => q !== best), empty }
}

/**
 * A term driver, with the date ranges of the conjunction folded into it: every term row carries its
 * document's sort value, so "this patient's samples between two dates" is one range of the index.
 */
function withRange(
  term: Extract<IndexQuery, { op: 'term' }>,
  all: readonly IndexQuery[],
  empty: boolean,
): QueryPlan {
  const ranges = all.filter(
    (q): q is Extract<IndexQuery, { op: 'term' }> =>
      q !== term && q.op === 'term' && q.terms.length === 1 && q.terms[0] === EVERY_DOCUMENT_TERM,
  )
  const mins = [term.min, ...ranges.map((r) => r.min)].filter((v): v is number => v !== undefined)
  const maxes = [term.max, ...ranges.map((r) => r.max)].filter((v): v is number => v !== undefined)
  const driver: Driver = {
    kind: 'term',
    terms: term.terms,
    ...(mins.length > 0 ? { min: Math.max(...mins) } : {}),
    ...(maxes.length > 0 ? { max: Math.min(...maxes) } : {}),
  }
  return { driver, rest: all.filter((q) => q !== term && !ranges.includes(q as never)), empty }
}

/** The first string after every string starting with `prefix` (binary / "C" collation order). */
export function prefixUpperBound(prefix: string): string {
  const chars = Array.from(prefix)
  const last = chars.pop()
  if (last === undefined) return '\u{10FFFF}'
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1)
}

/** Builds the SQL of one filter query over `table` (see KyselyStorage.findPage / matchIds). */
export class PageQuery {
  #alias = 0

  constructor(
    private readonly db: AnyDb,
    private readonly table: DocTable,
    private readonly accessor: string | undefined,
    private readonly plan: QueryPlan,
    private readonly order: PageOrder,
  ) {}

  /** True when the driver is the document table itself (searches without an accessor). */
  get drivesFromDocuments(): boolean {
    return this.plan.driver.kind === 'docs'
  }

  /** The column holding the entity id of the driver's rows. */
  get idColumn(): string {
    return this.plan.driver.kind === 'docs' ? 'x.id' : 'x.entity_id'
  }

  /**
   * The matching rows, before keyset, order and limit: `x` is the driver (with `x.value` for term
   * drivers), joined to the accessor's access rows when the driver is not the access index itself.
   */
  matches() {
    const { db, table } = this
    const driver = this.plan.driver
    let from
    switch (driver.kind) {
      case 'access':
        from = db
          .selectFrom(`${indexTable(table, 'access')} as x`)
          .where('x.data_owner_id', '=', this.accessor!)
        break
      case 'docs':
        from = db.selectFrom(`${TABLES[table].sql} as x`).where('x.deleted', '=', 0)
        break
      case 'term': {
        // One term: its rows are distinct per entity. Several: an entity holding two of them would
        // come twice, so they are made distinct first (every term of an entity has the same value).
        let rows = db
          .selectFrom(`${indexTable(table, 'term')} as t`)
          .select(['t.entity_id', 't.value'])
          .where('t.term', 'in', [...new Set(driver.terms)])
        if (driver.min !== undefined) rows = rows.where('t.value', '>=', driver.min)
        if (driver.max !== undefined) rows = rows.where('t.value', '<=', driver.max)
        from =
          driver.terms.length === 1
            ? db
                .selectFrom(`${indexTable(table, 'term')} as x`)
                .where('x.term', '=', driver.terms[0])
                .$call((q) => (driver.min !== undefined ? q.where('x.value', '>=', driver.min) : q))
                .$call((q) => (driver.max !== undefined ? q.where('x.value', '<=', driver.max) : q))
            : db.selectFrom(rows.distinct().as('x'))
        break
      }
      case 'name':
        from = db.selectFrom(
          db
            .selectFrom(`${indexTable(table, 'name')} as n`)
            .select('n.entity_id')
            .distinct()
            .where('n.name', '>=', driver.prefix)
            .where('n.name', '<', prefixUpperBound(driver.prefix))
            .as('x'),
        )
        break
    }
    if (this.accessor !== undefined && driver.kind !== 'access') {
      from = from.innerJoin(`${indexTable(table, 'access')} as a`, (join) =>
        join.onRef('a.entity_id', '=', this.idColumn).on('a.data_owner_id', '=', this.accessor!),
      )
    }
    const rest = this.plan.rest
    return rest.length === 0 ? from : from.where((eb) => eb.and(rest.map((q) => this.condition(eb, q))))
  }

  /** Orders `query` (rows of matches()) by the page order, from the keyset position if any. */
  ordered<Q extends { orderBy: (...args: never[]) => Q }>(query: Q): Q {
    const id = this.idColumn
    // The generic constraint cannot express Kysely's overloads; the calls below are the documented ones.
    const q = query as unknown as AnyQuery
    if (this.order.by === 'id') return q.orderBy(id) as unknown as Q
    const direction = this.order.descending ? 'desc' : 'asc'
    return q.orderBy('x.value', direction).orderBy(id, direction) as unknown as Q
  }

  /**
   * The keys of one page, ordered and limited: the ids (and, in value order, sort values) of its
   * documents from the keyset position. Documents are joined to these alone, so a page reads the
   * documents it sends, not every match it sorts (measured with bench/search on SQLite: a page of 20
   * among 1,514 matches in 33 ms instead of 71 ms).
   */
  keys(startId: string | undefined, startValue: number | undefined, limit: number) {
    const columns =
      this.order.by === 'value' ? [`${this.idColumn} as pid`, 'x.value as pv'] : [`${this.idColumn} as pid`]
    let keys = this.matches().select(columns)
    if (startId !== undefined) keys = keys.where((eb) => this.keyset(eb, startId, startValue))
    return this.ordered(keys).limit(limit)
  }

  /** Orders rows joined to keys() (as `p`) the way the keys are ordered. */
  orderedByKeys<Q extends { orderBy: (...args: never[]) => Q }>(query: Q): Q {
    const q = query as unknown as AnyQuery
    if (this.order.by === 'id') return q.orderBy('p.pid') as unknown as Q
    const direction = this.order.descending ? 'desc' : 'asc'
    return q.orderBy('p.pv', direction).orderBy('p.pid', direction) as unknown as Q
  }

  /** The keyset condition: rows at or after `startId` (whose sort value is `startValue` in value order). */
  keyset(eb: AnyEb, startId: string, startValue?: number): Expression<SqlBool> {
    const id = this.idColumn
    if (this.order.by === 'id') return eb(id, '>=', startId)
    const after = this.order.descending ? '<' : '>'
    const atOrAfter = this.order.descending ? '<=' : '>='
    const value = startValue ?? 0
    return eb.and([
      // Implied by the disjunction below, but a plain bound is one the database can use to narrow the
      // range of the (term, value, entity_id) index it reads (measured with bench/search on SQLite: a
      // page 50 of 20 statement in 0.33 ms instead of 0.50 ms over one patient's 10,000 samples).
      eb('x.value', atOrAfter, value),
      eb.or([eb('x.value', after, value), eb.and([eb('x.value', '=', value), eb(id, atOrAfter, startId)])]),
    ])
  }

  /** The SQL condition on the driver's entity id selecting what `query` selects (index tables by EXISTS). */
  condition(eb: AnyEb, query: IndexQuery): Expression<SqlBool> {
    const id = this.idColumn
    switch (query.op) {
      case 'all':
        return sql<SqlBool>`1 = 1`
      case 'none':
        return sql<SqlBool>`1 = 0`
      case 'ids':
        return query.ids.length === 0 ? sql<SqlBool>`1 = 0` : eb(id, 'in', [...new Set(query.ids)])
      case 'term': {
        this.assertIndex('term')
        if (query.terms.length === 0) return sql<SqlBool>`1 = 0`
        const t = `t${++this.#alias}`
        let sub = eb
          .selectFrom(`${indexTable(this.table, 'term')} as ${t}`)
          .select(sql`1`.as('one'))
          .whereRef(`${t}.entity_id`, '=', id)
          .where(`${t}.term`, 'in', [...new Set(query.terms)])
        if (query.min !== undefined) sub = sub.where(`${t}.value`, '>=', query.min)
        if (query.max !== undefined) sub = sub.where(`${t}.value`, '<=', query.max)
        return eb.exists(sub)
      }
      case 'name': {
        this.assertIndex('name')
        const n = `n${++this.#alias}`
        return eb.exists(
          eb
            .selectFrom(`${indexTable(this.table, 'name')} as ${n}`)
            .select(sql`1`.as('one'))
            .whereRef(`${n}.entity_id`, '=', id)
            .where(`${n}.name`, '>=', query.prefix)
            .where(`${n}.name`, '<', prefixUpperBound(query.prefix)),
        )
      }
      case 'and':
        return query.of.length === 0
          ? sql<SqlBool>`1 = 1`
          : eb.and(query.of.map((q) => this.condition(eb, q)))
      case 'or':
        return query.of.length === 0 ? sql<SqlBool>`1 = 0` : eb.or(query.of.map((q) => this.condition(eb, q)))
      case 'not':
        return eb.not(this.condition(eb, query.of))
    }
  }

  private assertIndex(kind: 'term' | 'name'): void {
    if (!TABLES[this.table].indexes.includes(kind))
      throw new Error(`${this.table} documents have no ${kind} index`)
  }
}

/** The subset of Kysely's select builder `ordered` uses. */
interface AnyQuery {
  orderBy(column: string, direction?: 'asc' | 'desc'): AnyQuery
}
