import { useState, type ReactNode } from 'react'
import { Alert, Group, Loader, Pagination, Stack, Text, Title } from '@mantine/core'
import { IntegrityFailureCard, type RecordFailure } from '../ui/integrity-failure.tsx'
import { useReportFailure } from '../shell/session-expiry.ts'
import { useLoad } from '../ui/use-load.ts'

/** Records on one page of a section. */
const PAGE_SIZE = 10

/**
 * A titled section listing records page by page: the ids first (`loadIds`: every record the server
 * lets this data owner fetch, readable or not), then the records of the current page, opened one by one
 * in this page (`loadOne`), so that a record whose content is withheld is still shown, as such, instead
 * of being left out as the SDK's lists do; one that fails its integrity check gets a card saying so.
 */
export function PagedRecords<T>(props: {
  title: string
  /** Changes when the section must load again (refresh). */
  version: string
  loadIds: () => Promise<string[]>
  loadOne: (id: string) => Promise<T>
  render: (record: T) => ReactNode
  empty: string
  /** Names one record in a failure card ("data sample"). */
  what: string
}) {
  const { title, version, loadIds, loadOne, render, empty, what } = props
  const report = useReportFailure()
  const [page, setPage] = useState(1)
  const ids = useLoad(loadIds, [version])
  const all = ids.data ?? []
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE))
  const current = Math.min(page, pages)
  const onPage = all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE)
  // Each record on its own: one that fails (its integrity check, or the network) is shown as such
  // and the others still are; a failure is reported to the shell, which notices an ended session.
  const records = useLoad(async () => {
    const settled = await Promise.allSettled(onPage.map(loadOne))
    return settled.map((r, k): { record: T } | { failure: RecordFailure } => {
      if (r.status === 'fulfilled') return { record: r.value }
      report(r.reason)
      return { failure: { id: onPage[k], error: r.reason } }
    })
  }, [version, onPage.join(',')])
  const headingId = `section-${title.toLowerCase().replace(/\W+/g, '-')}`

  return (
    <Stack component="section" aria-labelledby={headingId} gap="sm">
      <Group justify="space-between">
        <Title order={3} id={headingId}>
          {title}
        </Title>
        {ids.data && <Text size="sm" c="dimmed">{`${all.length} record(s)`}</Text>}
      </Group>
      {(ids.message ?? records.message) && (
        <Alert color="red" role="alert" title={`${title} could not be loaded`}>
          {ids.message ?? records.message}
        </Alert>
      )}
      {(ids.loading || records.loading) && (
        <Group gap="xs" role="status">
          <Loader size="xs" aria-hidden />
          <Text size="sm">Loading and decrypting in this page…</Text>
        </Group>
      )}
      {ids.data && all.length === 0 && <Text c="dimmed">{empty}</Text>}
      {!records.loading && records.data && (
        <Stack gap="sm">
          {records.data.map((r) =>
            'record' in r ? (
              render(r.record)
            ) : (
              <IntegrityFailureCard key={r.failure.id} failure={r.failure} what={what} />
            ),
          )}
        </Stack>
      )}
      {pages > 1 && (
        <Pagination
          total={pages}
          value={current}
          onChange={setPage}
          getControlProps={(control) => ({ 'aria-label': `${control} page` })}
          getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
        />
      )}
    </Stack>
  )
}
