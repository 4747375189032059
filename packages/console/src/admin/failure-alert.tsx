import { Alert } from '@mantine/core'

/** An error as the admin screens show it: a red alert that assistive technologies announce. */
export function FailureAlert({ error, title = 'Something went wrong' }: { error?: string; title?: string }) {
  if (!error) return null
  return (
    <Alert color="red" role="alert" title={title}>
      {error}
    </Alert>
  )
}
