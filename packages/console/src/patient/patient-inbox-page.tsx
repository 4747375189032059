import { useMemo, useState } from 'react'
import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core'
import { keyPairUpdateRequestOf, NotificationTypeEnum, type Notification } from '@cairn/sdk'
import { messageOf } from '../session/console-error.ts'
import type { ConsoleSession } from '../session/console-session.ts'
import { giveAccessBackConfirmed } from '../session/give-access-back.ts'
import { useReportFailure } from '../shell/session-expiry.ts'
import { DataOwnerNames } from './data-owner-names.ts'
import { formatDate } from './format-date.ts'
import { FingerprintCheck } from '../ui/fingerprint-check.tsx'
import { useLoad } from '../ui/use-load.ts'

/** A pending notification with the name of whom it is about. */
interface InboxItem {
  notification: Notification
  from: string
}

/** What a notification asks, in words. */
function describe(n: Notification, from: string): string {
  if (n.type === NotificationTypeEnum.KEY_PAIR_UPDATE)
    return `${from} lost their key and made a new one: give it access back to what you share with them.`
  if (n.type === NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS)
    return `${from} asks for access to their data.`
  return `A request from ${from}.`
}

/**
 * The patient's inbox: pending notifications (`getPendingNotificationsAfter`). A KEY_PAIR_UPDATE
 * request (someone who shares records with the patient made a new key after losing theirs) is
 * answered with "Give access back" (`giveAccessBackConfirmed`), enabled once the patient ticked
 * that they compared the new key's full fingerprint with its owner, which re-encrypts the shared keys
 * for the new key here and marks the request completed; any request can be dismissed.
 */
export function PatientInboxPage({ session }: { session: ConsoleSession }) {
  const { api, dataOwnerId } = session
  const names = useMemo(() => new DataOwnerNames(api, dataOwnerId), [api, dataOwnerId])
  const report = useReportFailure()
  const [busy, setBusy] = useState<string>()
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  // The fingerprint the patient said they compared, by key request id.
  const [compared, setCompared] = useState<Readonly<Record<string, string | undefined>>>({})
  const inbox = useLoad(async (): Promise<InboxItem[]> => {
    const pending = await api.notificationApi.getPendingNotificationsAfter()
    return Promise.all(
      pending.map(async (notification) => ({
        notification,
        from: await names.nameOf(
          keyPairUpdateRequestOf(notification)?.dataOwnerConcernedId ?? notification.responsible,
        ),
      })),
    )
  }, [api, dataOwnerId])

  const answer = async (item: InboxItem, giveAccessBack: boolean) => {
    const n = item.notification
    setBusy(n.id)
    setError(undefined)
    setDone(undefined)
    try {
      const request = keyPairUpdateRequestOf(n)
      if (giveAccessBack && request) {
        await giveAccessBackConfirmed(
          api,
          request.dataOwnerConcernedId,
          request.dataOwnerConcernedPubKey,
          compared[n.id ?? ''] ?? '',
        )
        setDone(`${item.from} can read what you share with them again.`)
      }
      await api.notificationApi.updateNotificationStatus(n, giveAccessBack ? 'completed' : 'cancelled')
      inbox.reload()
    } catch (e) {
      report(e)
      setError(messageOf(e))
    } finally {
      setBusy(undefined)
    }
  }

  const items = inbox.data ?? []
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Notifications</Title>
        <Button variant="default" onClick={inbox.reload} loading={inbox.loading}>
          Refresh
        </Button>
      </Group>
      {(inbox.message ?? error) && (
        <Alert color="red" role="alert" title="Something went wrong">
          {inbox.message ?? error}
        </Alert>
      )}
      {done && (
        <Alert color="green" role="status">
          {done}
        </Alert>
      )}
      {inbox.loading && !inbox.data && (
        <Group gap="xs" role="status">
          <Loader size="xs" aria-hidden />
          <Text size="sm">Loading your notifications…</Text>
        </Group>
      )}
      {inbox.data && items.length === 0 && <Text c="dimmed">Nothing is waiting for you.</Text>}
      <Stack gap="sm" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {items.map((item) => {
          const n = item.notification
          const request = keyPairUpdateRequestOf(n)
          const keyUpdate = request !== undefined
          return (
            <Card key={n.id} withBorder padding="sm" component="li">
              <Stack gap={6}>
                <Group justify="space-between" gap="xs">
                  <Badge variant="light" tt="none">
                    {keyUpdate ? 'New key' : (n.type ?? 'Request')}
                  </Badge>
                  <Text size="sm" c="dimmed">
                    {formatDate(n.created)}
                  </Text>
                </Group>
                <Text>{describe(n, item.from)}</Text>
                {request && (
                  <FingerprintCheck
                    api={api}
                    ownerId={request.dataOwnerConcernedId}
                    publicKey={request.dataOwnerConcernedPubKey}
                    name={item.from}
                    compared={compared[n.id ?? '']}
                    onCompared={(fingerprint) => setCompared((c) => ({ ...c, [n.id ?? '']: fingerprint }))}
                  />
                )}
                <Group gap="xs">
                  {keyUpdate && (
                    <Button
                      size="xs"
                      onClick={() => void answer(item, true)}
                      loading={busy === n.id}
                      disabled={compared[n.id ?? ''] === undefined}
                    >
                      Give access back
                    </Button>
                  )}
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => void answer(item, false)}
                    disabled={busy === n.id}
                  >
                    Dismiss
                  </Button>
                </Group>
              </Stack>
            </Card>
          )
        })}
      </Stack>
    </Stack>
  )
}
