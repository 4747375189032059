import { Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core'
import { NotificationFilter, keyPairUpdateRequestOf, type Notification } from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { useLoad } from '../ui/use-load.ts'
import { actorNames } from './actor-names.ts'
import { NotificationItem } from './notification-item.tsx'

/** Handled notifications shown under the pending ones. */
const RECENT = 20

/** Who a notification is about: the data owner with a new key, else its responsible data owner. */
function subjectOf(n: Notification): string | undefined {
  return keyPairUpdateRequestOf(n)?.dataOwnerConcernedId ?? n.responsible
}

/**
 * The notifications inbox: pending requests first (patients asking for their data, data owners with
 * a new key asking for access back, others), each with its answer, then the last ones handled.
 */
export function InboxPage() {
  const { api, dataOwnerId } = useSession()
  const inbox = useLoad(async () => {
    const pending = await api.notificationApi.getPendingNotificationsAfter()
    const filter = await new NotificationFilter(api).forSelf().afterDate(0).build()
    const recent = (await api.notificationApi.filterNotifications(filter, undefined, RECENT * 2)).rows
      .filter((n) => n.status !== 'pending' && n.deletionDate === undefined)
      .slice(0, RECENT)
    const names = await actorNames(
      api,
      dataOwnerId,
      [...pending, ...recent].flatMap((n) => (subjectOf(n) ? [subjectOf(n)!] : [])),
    )
    return { pending, recent, names }
  }, [api])
  const from = (n: Notification) => inbox.data?.names.get(subjectOf(n) ?? '') ?? 'Someone'

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Title order={2}>Notifications</Title>
          {inbox.data && (
            <Badge
              aria-label={`${inbox.data.pending.length} pending`}
              circle={inbox.data.pending.length < 10}
            >
              {inbox.data.pending.length}
            </Badge>
          )}
        </Group>
        <Button variant="default" size="xs" onClick={inbox.reload} loading={inbox.loading}>
          Refresh
        </Button>
      </Group>
      <ErrorAlert error={inbox.error} title="Could not read the notifications" />
      {!inbox.data && inbox.loading && <Loader aria-label="Loading notifications" />}
      {inbox.data && (
        <>
          <Title order={3}>To do</Title>
          {inbox.data.pending.length === 0 ? (
            <Text>Nothing pending.</Text>
          ) : (
            <Stack
              component="ul"
              gap="xs"
              p={0}
              m={0}
              style={{ listStyle: 'none' }}
              aria-label="Pending notifications"
            >
              {inbox.data.pending.map((n) => (
                <NotificationItem key={n.id} notification={n} from={from(n)} onDone={inbox.reload} />
              ))}
            </Stack>
          )}
          {inbox.data.recent.length > 0 && (
            <>
              <Title order={3}>Handled</Title>
              <Stack
                component="ul"
                gap="xs"
                p={0}
                m={0}
                style={{ listStyle: 'none' }}
                aria-label="Handled notifications"
              >
                {inbox.data.recent.map((n) => (
                  <NotificationItem key={n.id} notification={n} from={from(n)} onDone={inbox.reload} />
                ))}
              </Stack>
            </>
          )}
        </>
      )}
    </Stack>
  )
}
