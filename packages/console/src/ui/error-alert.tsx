import { useEffect } from 'react'
import { Alert } from '@mantine/core'
import { messageOf } from '../session/console-error.ts'
import { useReportFailure } from '../shell/session-expiry.ts'

/**
 * An error as the screens show it: an alert (announced by screen readers) with the SDK's or the
 * server's message, which already says what went wrong. Nothing when there is no error. The error is
 * also reported to the shell, which offers to sign in again when it says the session ended (401).
 */
export function ErrorAlert({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  const report = useReportFailure()
  useEffect(() => {
    if (error !== undefined && error !== null) report(error)
  }, [error, report])
  if (error === undefined || error === null) return null
  return (
    <Alert color="red" role="alert" title={title}>
      {messageOf(error)}
    </Alert>
  )
}
