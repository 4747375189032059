import { Card, Group, Stack, Text } from '@mantine/core'
import type { DataSample } from '@cairn/sdk'
import { CodeBadges } from './code-badges.tsx'
import { contentText } from './content-text.ts'
import { formatDate } from './format-date.ts'
import { WithheldNotice } from './withheld-notice.tsx'

/** One data sample: its content (decrypted in this page) or a withheld notice, its date and codes. */
export function DataSampleCard({ sample }: { sample: DataSample }) {
  const withheld = sample.systemMetaData?.contentWithheld === true
  const date = formatDate(sample.valueDate ?? sample.openingDate ?? sample.created)
  const text = withheld ? undefined : contentText(sample)
  return (
    <Card withBorder padding="sm" component="article" aria-label={`Data sample${date ? ` of ${date}` : ''}`}>
      <Stack gap={6}>
        <Group justify="space-between" gap="xs">
          <Text fw={600} data-testid="sample-content">
            {withheld ? 'Data sample' : (text ?? 'No content')}
          </Text>
          {date && (
            <Text size="sm" c="dimmed">
              {date}
            </Text>
          )}
        </Group>
        {withheld && <WithheldNotice />}
        {!withheld && sample.comment && <Text size="sm">{sample.comment}</Text>}
        <CodeBadges codes={sample.codes} label="Codes" />
      </Stack>
    </Card>
  )
}
