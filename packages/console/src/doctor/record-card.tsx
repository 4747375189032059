import type { ReactNode } from 'react'
import { Anchor, Card, Group, Stack, Text } from '@mantine/core'
import type { CodingReference } from '@cairn/sdk'
import { CodesText } from '../ui/codes-text.tsx'

/**
 * One record on the patient page (a data sample or a healthcare element), as a card that stacks on a
 * phone: its heading (date), its text, its codes, and links to edit it and to its access log.
 */
export function RecordCard(props: {
  heading: string
  children: ReactNode
  codes: Iterable<CodingReference> | undefined
  editHref?: string
  logHref: string
  /** Names the record in link names ("Edit data sample of 3 May"). */
  what: string
}) {
  const { heading, children, codes, editHref, logHref, what } = props
  return (
    <Card withBorder padding="sm" component="li">
      <Stack gap={6}>
        <Text fw={600} size="sm">
          {heading}
        </Text>
        {children}
        <CodesText codes={codes} />
        <Group gap="md">
          {editHref && (
            <Anchor href={editHref} size="sm" aria-label={`Edit ${what}`}>
              Edit
            </Anchor>
          )}
          <Anchor href={logHref} size="sm" aria-label={`Who accessed ${what}`}>
            Who accessed this
          </Anchor>
        </Group>
      </Stack>
    </Card>
  )
}
