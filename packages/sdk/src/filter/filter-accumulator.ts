import { NoOpFilter, type Filter } from './filter.ts'

/**
 * How the filters of one `$type` added to a builder combine (medtech-api.md §4.4):
 * - `byIds`: their id lists intersect into one filter;
 * - `singleton`: they must all be equal, and make one filter;
 * - `simple`: each is kept as its own filter.
 */
export type AccumulationStrategy = 'byIds' | 'singleton' | 'simple'

/** One added filter, possibly still waiting for the data owner id or for secret ids. */
interface Entry<T> {
  filter: Promise<Filter<T>>
  strategy: AccumulationStrategy
  /** The id-list field of a `byIds` filter (`ids`, `ssins`, `patientSecretForeignKeys`...). */
  idsKey?: string
  sortKey: boolean
}

/** An added filter once resolved. */
type Resolved<T> = Omit<Entry<T>, 'filter'> & { filter: Filter<T> }

/** MedTech's warning when the criteria cannot match anything. */
export const NO_OP_WARNING = 'Warning: the filter you built cannot be resolved and will return no entity'

/**
 * The criteria a DSL builder collects, and how `build()` turns them into one filter (MedTech's
 * `_builderAccumulator`). Filters are awaited in the order they were added; they are grouped by
 * `$type` and strategy in the order each group first appeared; the group holding the sort key goes
 * first; criteria that cannot match anything make a NoOpFilter (with MedTech's console warning),
 * several filters an IntersectionFilter, one filter itself, none the builder's default.
 */
export class FilterAccumulator<T> {
  private readonly entries: Entry<T>[] = []

  /** Adds a filter whose `idsKey` list is intersected with the other filters of its `$type`. */
  addByIds(filter: Filter<T> | Promise<Filter<T>>, idsKey: string): void {
    this.add(filter, 'byIds', idsKey)
  }

  /** Adds a filter that must equal the other filters of its `$type` (else nothing matches). */
  addSingleton(filter: Filter<T> | Promise<Filter<T>>): void {
    this.add(filter, 'singleton')
  }

  /** Adds a filter kept as its own member of the intersection. */
  addSimple(filter: Filter<T> | Promise<Filter<T>>): void {
    this.add(filter, 'simple')
  }

  /**
   * Marks the filter added last as the sort key: its group comes first in the intersection, and a
   * by-ids group keeps its order. One sort key per builder: a later mark replaces an earlier one.
   */
  markLastAsSortKey(): void {
    const last = this.entries[this.entries.length - 1]
    if (!last) throw new Error('Add a criterion before marking it as the sort key')
    for (const entry of this.entries) entry.sortKey = false
    last.sortKey = true
  }

  /**
   * The one filter of everything added, or `defaultFilter()` when nothing was. Rejects if an added
   * filter rejected (e.g. `forSelf()` when the current user is not a data owner).
   */
  async build(defaultFilter: () => Filter<T> | Promise<Filter<T>>): Promise<Filter<T>> {
    const resolved: Resolved<T>[] = []
    // In insertion order, one at a time, as MedTech does: the filters are already running, so this
    // only fixes which rejection is reported first.
    for (const entry of this.entries) resolved.push({ ...entry, filter: await entry.filter })

    const groups = new Map<unknown, Resolved<T>[]>()
    for (const entry of resolved) {
      // Simple filters are never merged: each gets a key of its own.
      const key = entry.strategy === 'simple' ? Symbol() : `${entry.strategy}\u0000${entry.filter.$type}`
      const group = groups.get(key)
      if (group) group.push(entry)
      else groups.set(key, [entry])
    }

    const merged = [...groups.values()].map((group) => ({
      filter: mergeGroup(group),
      sortKey: group.some((e) => e.sortKey),
    }))
    if (merged.some((m) => m.filter === undefined)) {
      console.warn(NO_OP_WARNING)
      return new NoOpFilter<T>()
    }
    const ordered = [...merged.filter((m) => m.sortKey), ...merged.filter((m) => !m.sortKey)].map(
      (m) => m.filter as Filter<T>,
    )
    if (ordered.length === 0) return defaultFilter()
    if (ordered.length === 1) return ordered[0]
    return { $type: 'IntersectionFilter', filters: ordered } as Filter<T>
  }

  private add(filter: Filter<T> | Promise<Filter<T>>, strategy: AccumulationStrategy, idsKey?: string): void {
    const promise = Promise.resolve(filter)
    // The rejection is reported by build(); until then it must not count as unhandled.
    promise.catch(() => undefined)
    this.entries.push({ filter: promise, strategy, idsKey, sortKey: false })
  }
}

/** The one filter of a group, or undefined when the group cannot match anything. */
function mergeGroup<T>(group: Resolved<T>[]): Filter<T> | undefined {
  const start = group.find((e) => e.sortKey) ?? group[0]
  if (start.strategy === 'simple') return start.filter
  if (start.strategy === 'singleton') {
    return group.every((e) => sameFilter(e.filter, start.filter)) ? start.filter : undefined
  }
  const key = start.idsKey as string
  const others = group.filter((e) => e !== start).map((e) => new Set(idsOf(e.filter, key)))
  const ids = idsOf(start.filter, key).filter((id) => others.every((set) => set.has(id)))
  return ids.length === 0 ? undefined : { ...start.filter, [key]: ids }
}

/** The id list of a by-ids filter (an array, or a Set as hand-written MedTech filters may hold). */
function idsOf(filter: Filter<unknown>, key: string): unknown[] {
  const value = (filter as unknown as Record<string, unknown>)[key]
  return value instanceof Set || Array.isArray(value) ? [...(value as Iterable<unknown>)] : []
}

/** MedTech's equality of singleton filters: the same keys, arrays equal element by element, other values `===`. */
function sameFilter(a: Filter<unknown>, b: Filter<unknown>): boolean {
  const x = a as unknown as Record<string, unknown>
  const y = b as unknown as Record<string, unknown>
  const keys = Object.keys(x)
  if (keys.length !== Object.keys(y).length) return false
  return keys.every((k) => {
    if (!Object.prototype.hasOwnProperty.call(y, k)) return false
    const [u, v] = [x[k], y[k]]
    if (Array.isArray(u) && Array.isArray(v))
      return u.length === v.length && u.every((item, i) => item === v[i])
    return u === v
  })
}
