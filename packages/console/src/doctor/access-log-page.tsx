import { useEffect, useState } from 'react'
import { Anchor, Button, Loader, Stack, Table, Text, Title } from '@mantine/core'
import type { AccessLogEntry } from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { actorNames } from './actor-names.ts'

/** Entries per page of the log. */
const PAGE = 50

/** What each action of the log means, for the "what" column. */
const ACTIONS: Readonly<Record<string, string>> = {
  read: 'read it',
  create: 'created it',
  modify: 'changed it',
  share: 'shared it',
  delete: 'deleted it',
}

/**
 * "Who accessed this": the server's access log of one record the doctor holds (docs/audit.md) as a
 * table of who, what and when, oldest first, 50 at a time. The log holds ids and times only, never
 * content; names are looked up here.
 */
export function AccessLogPage({ patientId, entityId }: { patientId: string; entityId: string }) {
  const { api, dataOwnerId } = useSession()
  const [rows, setRows] = useState<AccessLogEntry[]>([])
  const [names, setNames] = useState(new Map<string, string>())
  const [next, setNext] = useState<string>()
  const [done, setDone] = useState(false)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<unknown>()

  const load = async (after: string | undefined, before: AccessLogEntry[]) => {
    setLoading(true)
    setError(undefined)
    try {
      const page = await api.auditApi.getAccessLogOf(entityId, { limit: PAGE, ...(after ? { after } : {}) })
      const all = [...before, ...page.rows]
      setNames(
        await actorNames(
          api,
          dataOwnerId,
          all.flatMap((r) => (r.actorDataOwnerId ? [r.actorDataOwnerId] : [])),
        ),
      )
      setRows(all)
      setNext(page.next)
      setDone(!page.next)
    } catch (e) {
      setError(e)
    } finally {
      setLoading(false)
    }
  }
  useEffect(() => {
    void load(undefined, [])
    // Loaded again only for another record (`load` is a new closure on each render).
  }, [entityId])

  return (
    <Stack>
      <Anchor href={`#/patients/${encodeURIComponent(patientId)}`}>Back to the patient</Anchor>
      <Title order={2}>Who accessed this</Title>
      <Text size="sm" c="dimmed">
        Every read, change and share of this record, as the server logged it (record {entityId}).
      </Text>
      <ErrorAlert error={error} title="Could not read the access log" />
      <Table.ScrollContainer minWidth={300}>
        <Table striped>
          <Table.Caption>Access log of the record</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Who</Table.Th>
              <Table.Th scope="col">What</Table.Th>
              <Table.Th scope="col">When</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.seq}>
                <Table.Td>
                  {r.actorDataOwnerId
                    ? (names.get(r.actorDataOwnerId) ?? r.actorDataOwnerId)
                    : 'an administrator'}
                </Table.Td>
                <Table.Td>{ACTIONS[r.action] ?? r.action}</Table.Td>
                <Table.Td>{new Date(r.at).toLocaleString()}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {loading && <Loader aria-label="Loading the access log" />}
      {!loading && rows.length === 0 && !error && <Text>Nothing logged for this record.</Text>}
      {!done && !loading && next && (
        <Button variant="default" onClick={() => void load(next, rows)}>
          Load more
        </Button>
      )}
    </Stack>
  )
}
