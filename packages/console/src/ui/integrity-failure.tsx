import { Badge, Card, Stack, Text } from '@mantine/core'
import { IntegrityError } from '@cairn/sdk'

/** A record that could not be shown: its id, and why (an IntegrityError, or what else went wrong). */
export interface RecordFailure {
  id: string
  error: unknown
}

/** What the console says of a record that fails its integrity check (doctor and patient alike). */
export const FAILED_INTEGRITY = 'This record failed its integrity check'

/**
 * A record that failed its integrity check (the SDK's IntegrityError: it was changed by someone without
 * its key, or its key was substituted), shown as such in a list instead of silently missing: the
 * reader must know that something is there and wrong, not believe it absent. Other failures (a network
 * error) get a card saying the record could not be loaded.
 */
export function IntegrityFailureCard({ failure, what }: { failure: RecordFailure; what: string }) {
  const integrity = failure.error instanceof IntegrityError
  return (
    <Card withBorder padding="sm" component="li" data-testid="record-failure">
      <Stack gap={6}>
        <Badge color="red" variant="light" tt="none">
          {integrity ? 'Failed its integrity check' : 'Not loaded'}
        </Badge>
        <Text size="sm">
          {integrity
            ? `${FAILED_INTEGRITY}: it was changed without its key, or its key was replaced. Its content is not shown. Tell your administrator (${what} ${failure.id}).`
            : `This ${what} could not be loaded (${failure.id}): try again later.`}
        </Text>
      </Stack>
    </Card>
  )
}
