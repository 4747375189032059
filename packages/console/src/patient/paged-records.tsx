import { useState, type ReactNode } from 'react'
import { Alert, Group, Loader, Pagination, Stack, Text, Title } from '@mantine/core'
import { useLoaded } from './use-loaded.ts'

/** Records on one page of a section. */
const PAGE_SIZE = 10

/**
 * A titled section listing records page by page: the ids first (`loadIds`: every record the server
 * lets this data owner fetch, readable or not), then the records of the current page, opened one by one
 * in this page (`loadOne`), so that a record whose content is withheld is still shown, as such, instead
 * of being left out as the SDK's lists do.
 */
export function PagedRecords<T>(props: {
  title: string
  /** Changes when the section must load again (refresh). */
  version: string
  loadIds: () => Promise<string[]>
  loadOne: (id: string) => Promise<T>
  render: (record: T) => ReactNode
  empty: string
}) {
  const { title, version, loadIds, loadOne, render, empty } = props
  const [page, setPage] = useState(1)
  const ids = useLoaded(loadIds, version)
  const all = ids.value ?? []
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE))
  const current = Math.min(page, pages)
  const onPage = all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE)
  const records = useLoaded(() => Promise.all(onPage.map(loadOne)), `${version}|${onPage.join(',')}`)
  const headingId = `section-${title.toLowerCase().replace(/\W+/g, '-')}`

  return (
    <Stack component="section" aria-labelledby={headingId} gap="sm">
      <Group justify="space-between">
        <Title order={3} id={headingId}>
          {title}
        </Title>
        {ids.value && <Text size="sm" c="dimmed">{`${all.length} record(s)`}</Text>}
      </Group>
      {(ids.error ?? records.error) && (
        <Alert color="red" role="alert" title={`${title} could not be loaded`}>
          {ids.error ?? records.error}
        </Alert>
      )}
      {(ids.loading || records.loading) && (
        <Group gap="xs" role="status">
          <Loader size="xs" aria-hidden />
          <Text size="sm">Loading and decrypting in this page…</Text>
        </Group>
      )}
      {ids.value && all.length === 0 && <Text c="dimmed">{empty}</Text>}
      {!records.loading && records.value && <Stack gap="sm">{records.value.map((r) => render(r))}</Stack>}
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
