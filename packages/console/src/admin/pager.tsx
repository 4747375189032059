import { Button, Group, Loader, Text } from '@mantine/core'
import type { KeysetPages } from './use-keyset-pages.ts'

/**
 * Previous/next buttons of a paged list, with the page number, the total when known, and a loader
 * while a page comes. `label` names the list for assistive technologies ("Users pages").
 */
export function Pager({ pages, label, noun }: { pages: KeysetPages<unknown>; label: string; noun: string }) {
  return (
    <Group component="nav" aria-label={label} justify="space-between" wrap="wrap" gap="xs">
      <Button variant="default" onClick={pages.previous} disabled={!pages.hasPrevious || pages.loading}>
        Previous page
      </Button>
      <Group gap="xs" wrap="nowrap">
        {pages.loading && <Loader size="xs" aria-label="Loading" />}
        <Text size="sm" aria-live="polite">
          Page {pages.page}
          {pages.total !== undefined ? ` · ${pages.total} ${noun} in all` : ''}
        </Text>
      </Group>
      <Button variant="default" onClick={pages.next} disabled={!pages.hasNext}>
        Next page
      </Button>
    </Group>
  )
}
