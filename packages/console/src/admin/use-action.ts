import { useCallback, useState } from 'react'
import { messageOf } from '../session/console-error.ts'
import { useReportFailure } from '../shell/session-expiry.ts'

/** A button's operation: whether it runs, its last error, and what it said when it succeeded. */
export interface ActionState {
  busy: boolean
  error: string | undefined
  done: string | undefined
  /**
   * Runs `action` unless one is running; on success shows `success` (the text, or computed from the
   * result); on failure reports it to the shell (401: "session ended") and keeps its message.
   * Resolves with the result, or undefined when it failed.
   */
  run<T>(action: () => Promise<T>, success?: string | ((result: T) => string)): Promise<T | undefined>
}

/** State of one action of a screen (save, delete, invite...), for its button and its alerts. */
export function useAction(): ActionState {
  const report = useReportFailure()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const run = useCallback(
    async <T>(action: () => Promise<T>, success?: string | ((result: T) => string)) => {
      setBusy(true)
      setError(undefined)
      setDone(undefined)
      try {
        const result = await action()
        setDone(typeof success === 'function' ? success(result) : success)
        return result
      } catch (e) {
        report(e)
        setError(messageOf(e))
        return undefined
      } finally {
        setBusy(false)
      }
    },
    [report],
  )
  return { busy, error, done, run }
}
