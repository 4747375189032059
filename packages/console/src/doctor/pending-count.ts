import { useEffect, useState } from 'react'
import type { MedTechApi } from '@cairn/sdk'

/** How often the count is refreshed while the console is open. */
const REFRESH_MS = 60_000

/**
 * The navigation label of the inbox with its count of pending notifications ("Notifications (2)"),
 * for the shell's navigation (the shell owns it; this keeps the wording in one place).
 */
export function inboxNavLabel(pending: number | undefined): string {
  return pending ? `Notifications (${pending})` : 'Notifications'
}

/**
 * The number of the data owner's pending notifications, refreshed every minute; undefined until the
 * first answer, and left as it was when a refresh fails (a badge is no place for an error).
 */
export function usePendingCount(api: MedTechApi): number | undefined {
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
