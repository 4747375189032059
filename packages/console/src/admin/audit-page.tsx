import { useState, type FormEvent } from 'react'
import {
  Button,
  Code,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import type { AuditAction, AuditEntry, AuditQuery } from '@cairn/sdk'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { formatTime } from './format.ts'
import { Pager } from './pager.tsx'
import { useKeysetPages, type KeysetPage } from './use-keyset-pages.ts'

const PAGE_SIZE = 50
const ACTIONS: AuditAction[] = ['read', 'create', 'modify', 'share', 'delete', 'login', 'loginFailed']
/** The kinds of records the server logs (docs/audit.md). */
const ENTITY_TYPES = [
  'patient',
  'dataSample',
  'healthcareElement',
  'notification',
  'user',
  'healthcareProfessional',
  'medicalDevice',
  'coding',
  'exchangeKey',
]

/** The filter form's fields, as typed. */
interface AuditForm {
  actorUserId: string
  actorDataOwnerId: string
  entityType: string
  entityId: string
  action: string
  from: string
  to: string
}

const EMPTY: AuditForm = {
  actorUserId: '',
  actorDataOwnerId: '',
  entityType: '',
  entityId: '',
  action: '',
  from: '',
  to: '',
}

/** The SDK's query of the form: empty fields are no criterion; times are the browser's local time. */
function queryOf(form: AuditForm): AuditQuery {
  const q: AuditQuery = {}
  if (form.actorUserId.trim()) q.actorUserId = form.actorUserId.trim()
  if (form.actorDataOwnerId.trim()) q.actorDataOwnerId = form.actorDataOwnerId.trim()
  if (form.entityType) q.entityType = form.entityType
  if (form.entityId.trim()) q.entityId = form.entityId.trim()
  if (form.action) q.action = form.action as AuditAction
  if (form.from) q.from = new Date(form.from).getTime()
  if (form.to) q.to = new Date(form.to).getTime()
  return q
}

async function auditPage(
  session: ConsoleSession,
  query: AuditQuery,
  after: string | undefined,
): Promise<KeysetPage<AuditEntry>> {
  // The SDK checks the query (ids are UUIDs, from before to) before any request, naming the field.
  const page = await session.api.auditApi.listAuditEntries({ ...query, after, limit: PAGE_SIZE })
  return { rows: page.rows, next: page.next }
}

/**
 * The access log (docs/audit.md), oldest first: filters by actor (user, data owner), record (type,
 * id), action and time range, and paging. Entries hold ids and actions only, never content.
 */
export function AuditPage({ session }: { session: ConsoleSession }) {
  const [form, setForm] = useState<AuditForm>(EMPTY)
  const [query, setQuery] = useState<AuditQuery>({})
  const pages = useKeysetPages((after) => auditPage(session, query, after), [session, query])
  const field = (name: keyof AuditForm) => ({
    value: form[name],
    onChange: (e: { currentTarget: { value: string } }) => {
      const value = e.currentTarget.value
      setForm((f) => ({ ...f, [name]: value }))
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    setQuery(queryOf(form))
  }

  return (
    <Stack>
      <Title order={2}>Access log</Title>
      <Text size="sm">
        Who read, created, modified, shared or deleted which record, and every login, oldest first. Entries
        hold ids only: never a record’s content, a key or a password.
      </Text>
      <form onSubmit={submit} aria-label="Filter the access log">
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            <TextInput label="Actor user id" {...field('actorUserId')} />
            <TextInput label="Actor data owner id" {...field('actorDataOwnerId')} />
            <NativeSelect
              label="Action"
              data={[{ value: '', label: 'Any action' }, ...ACTIONS.map((a) => ({ value: a, label: a }))]}
              {...field('action')}
            />
            <NativeSelect
              label="Record type"
              data={[{ value: '', label: 'Any type' }, ...ENTITY_TYPES.map((t) => ({ value: t, label: t }))]}
              {...field('entityType')}
            />
            <TextInput label="Record id" {...field('entityId')} />
            <TextInput label="From (local time)" type="datetime-local" {...field('from')} />
            <TextInput label="Until (local time, excluded)" type="datetime-local" {...field('to')} />
          </SimpleGrid>
          <Group>
            <Button type="submit">Apply filters</Button>
            <Button
              variant="default"
              onClick={() => {
                setForm(EMPTY)
                setQuery({})
              }}
            >
              Clear filters
            </Button>
          </Group>
        </Stack>
      </form>
      <FailureAlert error={pages.error} title="Could not read the access log" />
      <Table.ScrollContainer minWidth={900}>
        <Table striped highlightOnHover captionSide="top">
          <Table.Caption>Access log entries, oldest first</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">#</Table.Th>
              <Table.Th scope="col">Time</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
              <Table.Th scope="col">Actor user</Table.Th>
              <Table.Th scope="col">As data owner</Table.Th>
              <Table.Th scope="col">Record type</Table.Th>
              <Table.Th scope="col">Record id</Table.Th>
              <Table.Th scope="col">Client</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.rows.map((e) => (
              <Table.Tr key={e.seq}>
                <Table.Td>{e.seq}</Table.Td>
                <Table.Td>{formatTime(e.at)}</Table.Td>
                <Table.Td>{e.action}</Table.Td>
                <Table.Td>{e.actorUserId ? <Code>{e.actorUserId}</Code> : '—'}</Table.Td>
                <Table.Td>{e.actorDataOwnerId ? <Code>{e.actorDataOwnerId}</Code> : '—'}</Table.Td>
                <Table.Td>{e.entityType ?? '—'}</Table.Td>
                <Table.Td>{e.entityId ? <Code>{e.entityId}</Code> : '—'}</Table.Td>
                <Table.Td>{e.clientAddress ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!pages.loading && !pages.error && pages.rows.length === 0 && <Text>No entry matches.</Text>}
      <Pager pages={pages} label="Pages of the access log" noun="entries" />
    </Stack>
  )
}
