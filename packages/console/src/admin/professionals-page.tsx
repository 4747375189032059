import { useState, type FormEvent } from 'react'
import { Anchor, Badge, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core'
import { HealthcareProfessionalFilter, type HealthcareProfessional } from '@cairn/sdk'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { Pager } from './pager.tsx'
import { hasKeys, professionalName } from './professional-labels.ts'
import { useKeysetPages, type KeysetPage } from './use-keyset-pages.ts'

const PAGE_SIZE = 20

/** One page of the directory: everyone, or those whose names contain the search (the server's search). */
async function professionalsPage(
  session: ConsoleSession,
  search: string,
  start: string | undefined,
): Promise<KeysetPage<HealthcareProfessional>> {
  const filter = new HealthcareProfessionalFilter()
  const page = await session.api.healthcareProfessionalApi.filterHealthcareProfessionalBy(
    await (search ? filter.byMatches(search) : filter).build(),
    start,
    PAGE_SIZE,
  )
  return { rows: page.rows, next: page.nextKeyPair?.startKeyDocId, total: page.totalSize }
}

/** The healthcare professionals directory: search by name, paging, a link to each, and "Invite". */
export function ProfessionalsPage({ session }: { session: ConsoleSession }) {
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const pages = useKeysetPages((start) => professionalsPage(session, search, start), [session, search])
  const submit = (event: FormEvent) => {
    event.preventDefault()
    setSearch(typed.trim())
  }

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>Healthcare professionals</Title>
        <Button component="a" href="#/admin/professionals/invite">
          Invite a professional
        </Button>
      </Group>
      <form onSubmit={submit} role="search" aria-label="Healthcare professionals">
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label="Search by name"
            description="Part of a first or last name; case and accents do not matter"
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            style={{ flex: '1 1 16rem' }}
          />
          <Button type="submit">Search</Button>
        </Group>
      </form>
      <FailureAlert error={pages.error} title="Could not list the professionals" />
      <Table.ScrollContainer minWidth={520}>
        <Table striped highlightOnHover captionSide="top">
          <Table.Caption>
            {search ? `Professionals whose name contains “${search}”` : 'Every healthcare professional'}
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Speciality</Table.Th>
              <Table.Th scope="col">Keys</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.rows.map((hcp) => (
              <Table.Tr key={hcp.id}>
                <Table.Td>
                  <Anchor href={`#/admin/professionals/${encodeURIComponent(hcp.id ?? '')}`}>
                    {professionalName(hcp)}
                  </Anchor>
                </Table.Td>
                <Table.Td>{hcp.speciality ?? '—'}</Table.Td>
                <Table.Td>
                  {hasKeys(hcp) ? (
                    <Badge variant="light" color="green">
                      Key pair
                    </Badge>
                  ) : (
                    <Badge variant="light" color="yellow">
                      No key yet
                    </Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!pages.loading && !pages.error && pages.rows.length === 0 && <Text>No professional found.</Text>}
      <Pager pages={pages} label="Pages of professionals" noun="professionals" />
    </Stack>
  )
}
