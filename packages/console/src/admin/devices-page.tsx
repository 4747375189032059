import { Badge, Code, Stack, Table, Text, Title } from '@mantine/core'
import { MedicalDeviceFilter, type MedicalDevice } from '@cairn/sdk'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { Pager } from './pager.tsx'
import { useKeysetPages, type KeysetPage } from './use-keyset-pages.ts'

const PAGE_SIZE = 20

async function devicesPage(
  session: ConsoleSession,
  start: string | undefined,
): Promise<KeysetPage<MedicalDevice>> {
  const page = await session.api.medicalDeviceApi.filterMedicalDevices(
    await new MedicalDeviceFilter().build(),
    start,
    PAGE_SIZE,
  )
  return { rows: page.rows, next: page.nextKeyPair?.startKeyDocId, total: page.totalSize }
}

/**
 * The medical devices directory, paged (the server filters devices by id only, so there is no search):
 * what each device is, and whether it has published a key pair.
 */
export function DevicesPage({ session }: { session: ConsoleSession }) {
  const pages = useKeysetPages((start) => devicesPage(session, start), [session])
  return (
    <Stack>
      <Title order={2}>Medical devices</Title>
      <FailureAlert error={pages.error} title="Could not list the devices" />
      <Table.ScrollContainer minWidth={560}>
        <Table striped captionSide="top">
          <Table.Caption>Every medical device</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Type</Table.Th>
              <Table.Th scope="col">Brand and model</Table.Th>
              <Table.Th scope="col">Serial number</Table.Th>
              <Table.Th scope="col">Keys</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {pages.rows.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>{d.name ?? <Code>{d.id}</Code>}</Table.Td>
                <Table.Td>{d.type ?? '—'}</Table.Td>
                <Table.Td>{[d.brand, d.model].filter(Boolean).join(' ') || '—'}</Table.Td>
                <Table.Td>{d.serialNumber ?? '—'}</Table.Td>
                <Table.Td>
                  {d.systemMetaData?.publicKey ||
                  (d.systemMetaData?.publicKeysForOaepWithSha256?.size ?? 0) > 0 ? (
                    <Badge variant="light" color="green">
                      Key pair
                    </Badge>
                  ) : (
                    <Badge variant="light" color="yellow">
                      No key yet
                    </Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {!pages.loading && !pages.error && pages.rows.length === 0 && <Text>No medical device.</Text>}
      <Pager pages={pages} label="Pages of devices" noun="devices" />
    </Stack>
  )
}
