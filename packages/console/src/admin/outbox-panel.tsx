import { Alert, Button, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core'
import type { OutboxEntryDto } from '@cairn/protocol'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { formatTime } from './format.ts'
import { useLoad } from '../ui/use-load.ts'

/** Most entries the server lists at once. */
const LIMIT = 1000

interface OutboxState {
  pending: OutboxEntryDto[]
  failed: OutboxEntryDto[]
}

/**
 * The outbox (docs/messaging.md): how many messages wait to be sent and which ones failed, from the
 * delivery metadata the server lists (never a message's content). The transports themselves (SMTP,
 * SMS) are set in the server's environment, which the API does not expose: a channel without one
 * shows up here as messages failing or piling up.
 */
export function OutboxPanel({ session }: { session: ConsoleSession }) {
  const outbox = useLoad(async (): Promise<OutboxState> => {
    const [pending, failed] = await Promise.all(
      (['pending', 'failed'] as const).map((status) =>
        session.rest.request<OutboxEntryDto[]>('GET', `/msggw/outbox?status=${status}&limit=${LIMIT}`),
      ),
    )
    return { pending, failed }
  }, [session])
  const count = (list: OutboxEntryDto[] | undefined) =>
    list === undefined ? '…' : list.length >= LIMIT ? `${LIMIT} or more` : String(list.length)

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>Outbox</Title>
        <Button variant="default" onClick={outbox.reload} loading={outbox.loading}>
          Refresh the outbox
        </Button>
      </Group>
      <FailureAlert error={outbox.message} title="Could not read the outbox" />
      {outbox.loading && !outbox.data && <Loader size="sm" aria-label="Loading the outbox" />}
      <SimpleGrid cols={{ base: 1, xs: 2 }}>
        <Alert color="blue" title="Waiting to be sent" role="status">
          <Text data-testid="outbox-pending">{count(outbox.data?.pending)}</Text>
        </Alert>
        <Alert color={outbox.data?.failed.length ? 'red' : 'green'} title="Failed" role="status">
          <Text data-testid="outbox-failed">{count(outbox.data?.failed)}</Text>
        </Alert>
      </SimpleGrid>
      {outbox.data && outbox.data.failed.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped captionSide="top">
            <Table.Caption>Messages that failed after their last attempt (content never shown)</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">To</Table.Th>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Attempts</Table.Th>
                <Table.Th scope="col">Last error</Table.Th>
                <Table.Th scope="col">Queued</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {outbox.data.failed.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>
                    {m.to} ({m.channel})
                  </Table.Td>
                  <Table.Td>{m.kind}</Table.Td>
                  <Table.Td>{m.attempts}</Table.Td>
                  <Table.Td>{m.lastError ?? '—'}</Table.Td>
                  <Table.Td>{formatTime(m.created)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  )
}
