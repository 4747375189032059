import { useEffect, useRef, useState } from 'react'
import { messageOf } from '../session/console-error.ts'

/** What a screen shows of something it loads: the value, the error, whether it is loading. */
export interface Loaded<T> {
  value?: T
  error?: string
  loading: boolean
  /** Loads again (after a change, or to see what others did meanwhile). */
  reload: () => void
}

/**
 * Runs `load` when `key` changes (and on `reload()`), keeping the last value while the next one
 * loads; an answer that arrives after a newer load started is dropped. `load` may be a new closure
 * on every render: `key` says when what it loads changed.
 */
export function useLoaded<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: string; loading: boolean }>({ loading: true })
  const [round, setRound] = useState(0)
  const latest = useRef(load)
  latest.current = load
  useEffect(() => {
    let current = true
    setState((s) => ({ ...s, loading: true, error: undefined }))
    latest.current().then(
      (value) => {
        if (current) setState({ value, loading: false })
      },
      (e: unknown) => {
        if (current) setState((s) => ({ ...s, error: messageOf(e), loading: false }))
      },
    )
    return () => {
      current = false
    }
  }, [key, round])
  return { ...state, reload: () => setRound((r) => r + 1) }
}
