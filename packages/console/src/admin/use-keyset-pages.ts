import { useCallback, useState, type DependencyList } from 'react'
import { useLoad } from '../ui/use-load.ts'

/** One page as the server's keyset paging answers it. */
export interface KeysetPage<T> {
  rows: T[]
  /** Where the next page starts; absent on the last page. */
  next?: string
  /** Matches in all, when the server counts them. */
  total?: number
}

/** A paged list on screen: the current page and how to move. */
export interface KeysetPages<T> {
  rows: T[]
  total: number | undefined
  /** 1 for the first page. */
  page: number
  loading: boolean
  error: string | undefined
  hasNext: boolean
  hasPrevious: boolean
  next: () => void
  previous: () => void
  reload: () => void
}

/**
 * Keyset paging for a list screen: the server gives the key of the next page only, so the keys of
 * the pages seen are kept to go back. `deps` (a search, filters) start over at the first page.
 */
export function useKeysetPages<T>(
  fetchPage: (start: string | undefined) => Promise<KeysetPage<T>>,
  deps: DependencyList,
): KeysetPages<T> {
  // starts[i]: the key page i+1 starts at (undefined: the first page). Reset with the dependencies.
  const [paging, setPaging] = useState<{ deps: DependencyList; starts: (string | undefined)[] }>({
    deps,
    starts: [undefined],
  })
  const sameDeps = paging.deps.length === deps.length && paging.deps.every((d, i) => Object.is(d, deps[i]))
  const starts = sameDeps ? paging.starts : [undefined]
  if (!sameDeps) setPaging({ deps, starts })
  const start = starts[starts.length - 1]
  const state = useLoad(() => fetchPage(start), [...deps, start, starts.length])
  const nextKey = state.data?.next
  const next = useCallback(() => {
    if (nextKey !== undefined) setPaging((p) => ({ ...p, starts: [...p.starts, nextKey] }))
  }, [nextKey])
  const previous = useCallback(
    () => setPaging((p) => (p.starts.length > 1 ? { ...p, starts: p.starts.slice(0, -1) } : p)),
    [],
  )
  return {
    rows: state.data?.rows ?? [],
    total: state.data?.total,
    page: starts.length,
    loading: state.loading,
    error: state.message,
    hasNext: !state.loading && nextKey !== undefined,
    hasPrevious: starts.length > 1,
    next,
    previous,
    reload: state.reload,
  }
}
