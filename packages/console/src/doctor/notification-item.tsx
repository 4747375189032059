import { useState } from 'react'
import { Badge, Button, Card, Group, Progress, Stack, Text } from '@mantine/core'
import { NotificationTypeEnum, keyPairUpdateRequestOf, type Notification } from '@cairn/sdk'
import { giveAccessBackConfirmed } from '../session/give-access-back.ts'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { FingerprintCheck } from '../ui/fingerprint-check.tsx'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'

/** What each kind of notification asks, in words. */
const KINDS: Readonly<Record<string, string>> = {
  [NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS]: 'asks for access to their own data',
  [NotificationTypeEnum.KEY_PAIR_UPDATE]: 'has a new key and asks for access back',
  [NotificationTypeEnum.OTHER]: 'sent a request',
}

/**
 * One notification of the inbox with the action that answers it (medtech-api.md §5.4 and §7):
 * "Share all data" for a patient asking for its data (`giveAccessToAllDataOf`, progress shown),
 * "Give access back" for a data owner with a new key (`giveAccessBackConfirmed`: enabled once the
 * doctor ticked that the key's full fingerprint was compared with its owner, which the trust decision
 * then checks), "Mark as completed"
 * for anything else. Each marks the notification completed once done.
 */
export function NotificationItem(props: { notification: Notification; from: string; onDone: () => void }) {
  const { notification: n, from, onDone } = props
  const { api } = useSession()
  const [busy, setBusy] = useState(false)
  const [progress, setProgress] = useState<{ done: number; total: number }>()
  const [error, setError] = useState<unknown>()
  // The fingerprint the doctor said they compared (undefined until ticked).
  const [compared, setCompared] = useState<string>()
  const keyRequest = keyPairUpdateRequestOf(n)
  const pending = n.status === 'pending' || n.status === 'ongoing'

  const run = async (answer: () => Promise<unknown>) => {
    setBusy(true)
    setError(undefined)
    try {
      // A request this device cannot open yet (a KEY_PAIR_UPDATE written with the very key it announces)
      // can only be saved once answered: giving access back is what opens it.
      if (!isWithheld(n)) await api.notificationApi.updateNotificationStatus(n, 'ongoing')
      await answer()
      await api.notificationApi.updateNotificationStatus(n, 'completed')
      onDone()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  const shareAll = () =>
    run(async () => {
      setProgress({ done: 0, total: 1 })
      const result = await api.patientApi.giveAccessToAllDataOf(n.responsible!, {
        onProgress: (p) => setProgress({ done: p.done, total: p.total }),
      })
      const failed = Object.values(result.statuses).find((s) => s?.success === false)
      if (failed?.error) throw failed.error
    })

  return (
    <Card withBorder padding="sm" component="li">
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={600}>
            {from} {KINDS[n.type ?? ''] ?? 'sent a request'}
          </Text>
          <Badge variant="light" color={pending ? 'blue' : 'gray'}>
            {n.status ?? 'pending'}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {n.created ? new Date(n.created).toLocaleString() : ''}
        </Text>
        {isWithheld(n) && !keyRequest && <Text size="sm">{NOT_READABLE}</Text>}
        {keyRequest && (
          <FingerprintCheck
            api={api}
            ownerId={keyRequest.dataOwnerConcernedId}
            publicKey={keyRequest.dataOwnerConcernedPubKey}
            name={from}
            compared={compared}
            onCompared={setCompared}
          />
        )}
        {progress && (
          <Stack gap={2}>
            <Progress
              value={progress.total ? (100 * progress.done) / progress.total : 0}
              aria-label="Sharing progress"
            />
            <Text size="sm" role="status">
              {progress.done} of {progress.total} records shared
            </Text>
          </Stack>
        )}
        <ErrorAlert error={error} title="Could not answer the notification" />
        {pending && (
          <Group gap="xs">
            {n.type === NotificationTypeEnum.NEW_USER_OWN_DATA_ACCESS && n.responsible && (
              <Button size="xs" loading={busy} onClick={() => void shareAll()}>
                Share all data
              </Button>
            )}
            {keyRequest && (
              <Button
                size="xs"
                loading={busy}
                disabled={compared === undefined}
                onClick={() =>
                  void run(() =>
                    giveAccessBackConfirmed(
                      api,
                      keyRequest.dataOwnerConcernedId,
                      keyRequest.dataOwnerConcernedPubKey,
                      compared!,
                    ),
                  )
                }
              >
                Give access back
              </Button>
            )}
            <Button
              size="xs"
              variant="default"
              disabled={busy}
              onClick={() => void run(() => Promise.resolve())}
            >
              Mark as completed
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  )
}
