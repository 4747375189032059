import { useState, type FormEvent } from 'react'
import { Anchor, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { formatDate } from '../ui/format-date.ts'
import { IntegrityFailureCard } from '../ui/integrity-failure.tsx'
import { Pager } from '../ui/pager.tsx'
import { useLoad } from '../ui/use-load.ts'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'
import { patientName } from './patient-name.ts'
import { loadPatientsPage } from './patients-page-load.ts'

/** Patients per page. */
export const PATIENTS_PAGE_SIZE = 10

/**
 * The doctor's patients: a name search (substring of the names, accents and case ignored,
 * docs/filters.md) and keyset pages of {@link PATIENTS_PAGE_SIZE} with the total the server counts.
 * Only patients shared with this doctor are found; their names are in clear on the server, their
 * notes are not. Patients this device cannot open are listed by name, marked "not readable".
 */
export function PatientsPage() {
  const { api } = useSession()
  const [draft, setDraft] = useState('')
  const [query, setQuery] = useState('')
  // Start ids of the pages reached so far: [undefined] is the first page.
  const [starts, setStarts] = useState<(string | undefined)[]>([undefined])
  const start = starts[starts.length - 1]

  const offset = (starts.length - 1) * PATIENTS_PAGE_SIZE
  const page = useLoad(
    () => loadPatientsPage(api, query, start, offset, PATIENTS_PAGE_SIZE),
    [api, query, start],
  )

  const search = (e: FormEvent) => {
    e.preventDefault()
    setQuery(draft.trim())
    setStarts([undefined])
  }
  const next = page.data?.next

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>Patients</Title>
        <Button component="a" href="#/patients/new">
          New patient
        </Button>
      </Group>
      <form onSubmit={search} role="search" aria-label="Patients">
        <Group align="end" wrap="wrap" gap="xs">
          <TextInput
            label="Search by name"
            description="Part of a first or last name"
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            style={{ flex: '1 1 200px' }}
          />
          <Button type="submit" variant="default">
            Search
          </Button>
        </Group>
      </form>
      <ErrorAlert error={page.error} title="Could not list patients" />
      {page.loading && !page.data && <Loader aria-label="Loading patients" />}
      {page.data && (
        <>
          <Table.ScrollContainer minWidth={300}>
            <Table striped highlightOnHover>
              <Table.Caption>
                {query ? `Patients whose name contains “${query}”` : 'Your patients'}
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Date of birth</Table.Th>
                  <Table.Th scope="col">Gender</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.data.rows.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td>
                      <Anchor href={`#/patients/${encodeURIComponent(p.id!)}`}>{patientName(p)}</Anchor>
                      {isWithheld(p) && (
                        <Text size="xs" c="dimmed">
                          {NOT_READABLE}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{formatDate(p.dateOfBirth)}</Table.Td>
                    <Table.Td>{p.gender ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {page.data.failures.length > 0 && (
            <Stack
              component="ul"
              gap="xs"
              p={0}
              m={0}
              style={{ listStyle: 'none' }}
              aria-label="Patients not shown"
            >
              {page.data.failures.map((f) => (
                <IntegrityFailureCard key={f.id} failure={f} what="patient" />
              ))}
            </Stack>
          )}
          {page.data.rows.length === 0 && (
            <Text>{query ? 'No patient matches this search.' : 'No patient yet: create one.'}</Text>
          )}
          <Pager
            offset={offset}
            count={page.data.rows.length}
            total={page.data.total}
            hasPrevious={starts.length > 1}
            hasNext={Boolean(next)}
            loading={page.loading}
            onPrevious={() => setStarts(starts.slice(0, -1))}
            onNext={() => next && setStarts([...starts, next])}
          />
        </>
      )}
    </Stack>
  )
}
