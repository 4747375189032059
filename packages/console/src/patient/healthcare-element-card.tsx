import { Card, Group, Stack, Text } from '@mantine/core'
import type { HealthcareElement } from '@cairn/sdk'
import { CodeBadges } from './code-badges.tsx'
import { formatDate } from './format-date.ts'
import { WithheldNotice } from './withheld-notice.tsx'

/** One healthcare element (a diagnosis, a condition): its description or a withheld notice, dates, codes. */
export function HealthcareElementCard({ element }: { element: HealthcareElement }) {
  const withheld = element.systemMetaData?.contentWithheld === true
  const opened = formatDate(element.openingDate ?? element.valueDate ?? element.created)
  const closed = formatDate(element.closingDate)
  return (
    <Card
      withBorder
      padding="sm"
      component="article"
      aria-label={`Healthcare element${opened ? ` of ${opened}` : ''}`}
    >
      <Stack gap={6}>
        <Group justify="space-between" gap="xs">
          <Text fw={600} data-testid="element-description">
            {withheld ? 'Healthcare element' : (element.description ?? 'No description')}
          </Text>
          {opened && (
            <Text size="sm" c="dimmed">
              {closed ? `${opened} – ${closed}` : `since ${opened}`}
            </Text>
          )}
        </Group>
        {withheld && <WithheldNotice />}
        {!withheld && element.note && <Text size="sm">{element.note}</Text>}
        <CodeBadges codes={element.codes} label="Codes" />
      </Stack>
    </Card>
  )
}
