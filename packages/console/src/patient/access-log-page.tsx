import { useMemo, useState } from 'react'
import { Alert, Group, Loader, Pagination, Stack, Table, Text, Title } from '@mantine/core'
import type { AccessLogEntry } from '@cairn/sdk'
import type { ConsoleSession } from '../session/console-session.ts'
import { DataOwnerNames, shortId } from './data-owner-names.ts'
import { formatDate } from './format-date.ts'
import { useLoad } from '../ui/use-load.ts'

/** Entries gathered from the log at most (the SDK pages through it); the newest are shown first. */
const MAX_ENTRIES = 5000
const PAGE_SIZE = 20

const ACTIONS: Readonly<Record<string, string>> = {
  read: 'read',
  create: 'created',
  modify: 'changed',
  share: 'shared',
  delete: 'deleted',
  login: 'signed in',
  loginFailed: 'failed to sign in',
}

/** An access log entry with the name of who acted. */
interface NamedEntry {
  entry: AccessLogEntry
  who: string
}

/** A record as the log names it: the patient's own record, or its type and a short id. */
function recordOf(entry: AccessLogEntry, selfId: string | undefined): string {
  if (entry.entityType === 'patient' && entry.entityId === selfId) return 'your record'
  const type = entry.entityType.replace(/([A-Z])/g, ' $1').toLowerCase()
  return `${type} ${shortId(entry.entityId)}`
}

/**
 * "Who accessed my data": the server's access log of the records the patient holds
 * (`auditApi.getAllAccessLog`): who read, created, changed, shared or deleted which of them, and when,
 * newest first. The log holds ids and times only, never content.
 */
export function AccessLogPage({ session }: { session: ConsoleSession }) {
  const { api, dataOwnerId } = session
  const names = useMemo(() => new DataOwnerNames(api, dataOwnerId), [api, dataOwnerId])
  const [page, setPage] = useState(1)
  const log = useLoad(async () => {
    const { rows, next } = await api.auditApi.getAllAccessLog({ maxEntries: MAX_ENTRIES })
    const named: NamedEntry[] = await Promise.all(
      rows.map(async (entry) => ({ entry, who: await names.nameOf(entry.actorDataOwnerId) })),
    )
    return { entries: named.reverse(), more: next !== undefined }
  }, [api, dataOwnerId])
  const entries = log.data?.entries ?? []
  const pages = Math.max(1, Math.ceil(entries.length / PAGE_SIZE))
  const shown = entries.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)

  return (
    <Stack>
      <Title order={2}>Who accessed my data</Title>
      <Text size="sm" c="dimmed">
        Every read, creation, change, share and deletion of your records, as the server recorded it.
      </Text>
      {log.message && (
        <Alert color="red" role="alert" title="The access log could not be loaded">
          {log.message}
        </Alert>
      )}
      {log.loading && (
        <Group gap="xs" role="status">
          <Loader size="xs" aria-hidden />
          <Text size="sm">Loading the access log…</Text>
        </Group>
      )}
      {log.data && entries.length === 0 && <Text c="dimmed">Nobody accessed your records yet.</Text>}
      {entries.length > 0 && (
        <Table.ScrollContainer minWidth={480}>
          <Table striped highlightOnHover>
            <Table.Caption>
              {`${entries.length} access(es), newest first${log.data?.more ? ` (the first ${MAX_ENTRIES} recorded)` : ''}`}
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">When</Table.Th>
                <Table.Th scope="col">Who</Table.Th>
                <Table.Th scope="col">What</Table.Th>
                <Table.Th scope="col">Record</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map(({ entry, who }) => (
                <Table.Tr key={entry.seq}>
                  <Table.Td>{formatDate(entry.at)}</Table.Td>
                  <Table.Td>{who}</Table.Td>
                  <Table.Td>{ACTIONS[entry.action] ?? entry.action}</Table.Td>
                  <Table.Td>{recordOf(entry, dataOwnerId)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {pages > 1 && (
        <Pagination
          total={pages}
          value={page}
          onChange={setPage}
          getControlProps={(control) => ({ 'aria-label': `${control} page` })}
          getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
        />
      )}
    </Stack>
  )
}
