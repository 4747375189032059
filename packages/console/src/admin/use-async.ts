import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react'
import { messageOf } from '../session/console-error.ts'
import { useReportFailure } from '../shell/session-expiry.ts'

/** What a screen shows of a load: the data once there, the error message, whether it runs. */
export interface AsyncState<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  /** Loads again (after a change made on the screen). */
  reload: () => void
}

/**
 * Runs `load` when the screen opens and whenever `deps` change; only the latest run's answer is kept
 * (a slow answer to an older search never replaces a newer one). Failures are reported to the shell
 * (a 401 shows the "session ended" notice) and kept as the message the screen's alert shows.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): AsyncState<T> {
  const report = useReportFailure()
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true })
  const [generation, setGeneration] = useState(0)
  const latest = useRef(0)
  useEffect(() => {
    const run = ++latest.current
    setState((s) => ({ ...s, loading: true, error: undefined }))
    load().then(
      (data) => {
        if (run === latest.current) setState({ data, loading: false })
      },
      (e: unknown) => {
        if (run !== latest.current) return
        report(e)
        setState({ error: messageOf(e), loading: false })
      },
    )
    // `load` is a new closure at each render: `deps` say when it means something new.
  }, [...deps, generation])
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { ...state, data: state.data, error: state.error, reload }
}
