import { Alert, Card, Group, Loader, Stack, Text, Title } from '@mantine/core'
import { EncryptedPatient, type MedTechApi } from '@cairn/sdk'
import { formatDate } from './format-date.ts'
import { useLoad } from '../ui/use-load.ts'
import { WithheldNotice } from './withheld-notice.tsx'

/**
 * The patient's own record: names and date of birth (clear on the server), and the note decrypted here,
 * or a withheld notice when this browser's keys cannot open it (`getPatientAndTryDecrypt` then gives
 * an EncryptedPatient).
 */
export function MyRecordCard({
  api,
  patientId,
  version,
}: {
  api: MedTechApi
  patientId: string
  version: string
}) {
  const record = useLoad(() => api.patientApi.getPatientAndTryDecrypt(patientId), [api, patientId, version])
  const p = record.data
  const withheld = p instanceof EncryptedPatient
  return (
    <Stack component="section" aria-labelledby="my-record-title" gap="sm">
      <Title order={3} id="my-record-title">
        My record
      </Title>
      {record.message && (
        <Alert color="red" role="alert" title="Your record could not be loaded">
          {record.message}
        </Alert>
      )}
      {record.loading && !p && <Loader size="xs" aria-label="Loading your record" />}
      {p && (
        <Card withBorder padding="sm">
          <Stack gap={6}>
            <Group justify="space-between">
              <Text fw={600}>{[p.firstName, p.lastName].filter(Boolean).join(' ') || 'Your record'}</Text>
              {p.dateOfBirth !== undefined && <Text size="sm">Born {formatDate(p.dateOfBirth)}</Text>}
            </Group>
            {withheld ? <WithheldNotice /> : p.note && <Text size="sm">{p.note}</Text>}
          </Stack>
        </Card>
      )}
    </Stack>
  )
}
