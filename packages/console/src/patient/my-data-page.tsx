import { useState } from 'react'
import { Button, Group, Stack, Text, Title } from '@mantine/core'
import { DataSampleFilter, HealthcareElementFilter } from '@cairn/sdk'
import { messageOf } from '../session/console-error.ts'
import type { ConsoleSession } from '../session/console-session.ts'
import { DataSampleCard } from './data-sample-card.tsx'
import { HealthcareElementCard } from './healthcare-element-card.tsx'
import { MyRecordCard } from './my-record-card.tsx'
import { PagedRecords } from './paged-records.tsx'

/**
 * "My data": the patient's own record, and the healthcare elements and data samples shared with the
 * patient (by their doctor), decrypted in this page with codes and dates; records this browser's keys
 * cannot open yet are listed as such. "Refresh" forgets the SDK's key caches first, so that access
 * given back meanwhile (after a lost key) is used.
 */
export function MyDataPage({ session }: { session: ConsoleSession }) {
  const { api } = session
  const patientId = session.dataOwnerId ?? ''
  const [version, setVersion] = useState(0)
  const [refreshing, setRefreshing] = useState(false)
  const [error, setError] = useState<string>()

  const refresh = async () => {
    setRefreshing(true)
    setError(undefined)
    try {
      await api.forceReload()
      setVersion((v) => v + 1)
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setRefreshing(false)
    }
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>My data</Title>
        <Button variant="default" onClick={() => void refresh()} loading={refreshing}>
          Refresh
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        What your care team shared with you. It is decrypted in this page with the keys in this browser.
      </Text>
      {error && (
        <Text role="alert" c="red">
          {error}
        </Text>
      )}
      <MyRecordCard api={api} patientId={patientId} version={String(version)} />
      <PagedRecords
        title="Healthcare elements"
        version={String(version)}
        loadIds={async () =>
          api.healthcareElementApi.matchHealthcareElement(
            await new HealthcareElementFilter(api).forSelf().build(),
          )
        }
        loadOne={(id) => api.healthcareElementApi.getHealthcareElement(id)}
        render={(element) => <HealthcareElementCard key={element.id} element={element} />}
        empty="No healthcare element was shared with you yet."
        what="healthcare element"
      />
      <PagedRecords
        title="Data samples"
        version={String(version)}
        loadIds={async () =>
          api.dataSampleApi.matchDataSample(await new DataSampleFilter(api).forSelf().build())
        }
        loadOne={(id) => api.dataSampleApi.getDataSample(id)}
        render={(sample) => <DataSampleCard key={sample.id} sample={sample} />}
        empty="No data sample was shared with you yet."
        what="data sample"
      />
    </Stack>
  )
}
