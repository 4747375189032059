import { useEffect, useState } from 'react'
import { Badge } from '@mantine/core'
import type { MedTechApi } from '@cairn/sdk'
import type { ConsoleSession } from '../session/console-session.ts'

/** How often the count is refreshed while the console is open. */
const REFRESH_MS = 60_000

/**
 * The number of the data owner's pending notifications, refreshed every minute; undefined until the
 * first answer, and left as it was when a refresh fails (a badge is no place for an error).
 */
function usePendingCount(api: MedTechApi): number | undefined {
  const [count, setCount] = useState<number>()
  useEffect(() => {
    let live = true
    const refresh = () =>
      api.notificationApi.getPendingNotificationsAfter().then(
        (n) => live && setCount(n.length),
        () => undefined,
      )
    void refresh()
    const timer = setInterval(() => void refresh(), REFRESH_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [api])
  return count
}

/**
 * The navigation badge of the notifications inbox: how many are pending ("2 pending", read as part of
 * the link's name), nothing when none are.
 */
export function PendingBadge({ session }: { session: ConsoleSession }) {
  const count = usePendingCount(session.api)
  if (!count) return null
  return (
    <Badge size="sm" circle={count < 10} aria-label={`${count} pending`}>
      {count}
    </Badge>
  )
}
