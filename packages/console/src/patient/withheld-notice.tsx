import { Badge, Text } from '@mantine/core'
import { NOT_READABLE } from '../ui/withheld.ts'

/**
 * What stands in for the content of a record this browser's keys cannot open (the SDK marks it
 * `systemMetaData.contentWithheld`): said plainly, never shown as an empty record, in the same words as
 * the doctor's screens (NOT_READABLE).
 */
export function WithheldNotice() {
  return (
    <>
      <Badge color="orange" variant="light" tt="none">
        {NOT_READABLE}
      </Badge>
      <Text size="sm" c="dimmed">
        Its content is encrypted for a key that is not in this browser. It becomes readable once the person
        who shared it gives your current key access back.
      </Text>
    </>
  )
}
