import { Button, Group, Text } from '@mantine/core'

/**
 * "Previous page" / "Next page" under a list, with where the reader is ("21–40 of 57"). Keyset paging
 * (docs/filters.md) only goes forward from a known id, so the screen keeps the ids of the pages it
 * went through and `onPrevious` goes back to one of them.
 */
export function Pager(props: {
  /** Index of the first row shown (0-based). */
  offset: number
  /** Rows on this page. */
  count: number
  total: number
  hasPrevious: boolean
  hasNext: boolean
  loading?: boolean
  onPrevious: () => void
  onNext: () => void
}) {
  const { offset, count, total, hasPrevious, hasNext, loading, onPrevious, onNext } = props
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Text size="sm" role="status" aria-live="polite">
        {total === 0 ? 'None' : `${count === 0 ? 0 : offset + 1}–${offset + count} of ${total}`}
      </Text>
      <Group gap="xs">
        <Button variant="default" size="xs" disabled={!hasPrevious || loading} onClick={onPrevious}>
          Previous page
        </Button>
        <Button variant="default" size="xs" disabled={!hasNext || loading} onClick={onNext}>
          Next page
        </Button>
      </Group>
    </Group>
  )
}
