import { useCallback, useEffect, useState, type DependencyList } from 'react'

/** What {@link useLoad} gives a screen: the value once loaded, the error, and a way to load again. */
export interface Loaded<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  reload: () => void
}

/**
 * Runs `load` when the screen shows and whenever `deps` change, keeping only the newest answer (a
 * slow first request must not overwrite a newer one). Screens show `loading` as a Loader and `error`
 * in an alert instead of an empty page.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true })
  const [round, setRound] = useState(0)
  useEffect(() => {
    let current = true
    setState((s) => ({ ...s, loading: true, error: undefined }))
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    )
    return () => {
      current = false
    }
    // `load` is a new closure on each render: `deps` says when it really changes.
  }, [...deps, round])
  const reload = useCallback(() => setRound((r) => r + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}
