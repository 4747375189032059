import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react'
import { messageOf } from '../session/console-error.ts'
import { useReportFailure } from '../shell/session-expiry.ts'

/** What {@link useLoad} gives a screen: the value once loaded, the error, and a way to load again. */
export interface Loaded<T> {
  /** The last value loaded; kept while the next load runs (no flash of an empty page). */
  data: T | undefined
  /** What the last load threw, as thrown (an SdkError, a ConsoleError...). */
  error: unknown
  /** The error's message, for an alert; undefined when the last load succeeded. */
  message: string | undefined
  loading: boolean
  /** Loads again (after a change made on the screen, or to see what others did meanwhile). */
  reload: () => void
}

/**
 * The one loading hook of every screen (doctor, patient, admin): runs `load` when the screen shows
 * and whenever `deps` change, keeping only the newest answer (a slow answer to an older search must
 * not overwrite a newer one). Failures are reported to the shell, so an ended session (401) shows
 * the "session ended" notice wherever it is noticed; screens show `message` in an alert.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const report = useReportFailure()
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true })
  const [round, setRound] = useState(0)
  // The newest closure: `load` is a new function at each render, `deps` say when it means something new.
  const latest = useRef(load)
  latest.current = load
  useEffect(() => {
    let current = true
    setState((s) => ({ ...s, loading: true, error: undefined }))
    latest.current().then(
      (data) => {
        if (current) setState({ data, loading: false })
      },
      (error: unknown) => {
        if (!current) return
        report(error)
        setState((s) => ({ ...s, error, loading: false }))
      },
    )
    return () => {
      current = false
    }
  }, [...deps, round])
  const reload = useCallback(() => setRound((r) => r + 1), [])
  const message = state.error === undefined ? undefined : messageOf(state.error)
  return { data: state.data, error: state.error, message, loading: state.loading, reload }
}
