import { useState, type FormEvent } from 'react'
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  PasswordInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { readServerHealth, type MetricsState, type Probe } from './server-health.ts'
import { useLoad } from '../ui/use-load.ts'

function ProbeCard({ title, probe, what }: { title: string; probe: Probe; what: string }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Stack gap={4}>
        <Group justify="space-between">
          <Title order={3} size="h5">
            {title}
          </Title>
          <Badge color={probe.ok ? 'green' : 'red'}>{probe.ok ? 'OK' : 'Failing'}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {what}
        </Text>
        <Text>{probe.detail}</Text>
        <Text size="sm">
          Round trip from this page: {probe.roundTripMs} ms
          {probe.databaseMs !== undefined ? ` · database: ${probe.databaseMs} ms` : ''}
        </Text>
      </Stack>
    </Card>
  )
}

/** What the screen shows of /metrics, and why when it shows nothing. */
function Metrics({ state, onToken }: { state: MetricsState; onToken: (token: string) => void }) {
  const [token, setToken] = useState('')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    onToken(token)
  }
  switch (state.kind) {
    case 'figures':
      return (
        <Table.ScrollContainer minWidth={300}>
          <Table captionSide="top">
            <Table.Caption>From the server's /metrics (Prometheus)</Table.Caption>
            <Table.Tbody>
              {state.figures.map((f) => (
                <Table.Tr key={f.label}>
                  <Table.Th scope="row">{f.label}</Table.Th>
                  <Table.Td>{f.value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )
    case 'off':
      return (
        <Text>
          Metrics are off on this server: an operator turns them on with CAIRN_METRICS=1 or a
          CAIRN_METRICS_TOKEN.
        </Text>
      )
    case 'needs-token':
      return (
        <form onSubmit={submit}>
          <Stack gap="xs">
            <Text>
              /metrics asks for the metrics token (CAIRN_METRICS_TOKEN), which is the scraper’s, not an
              administrator session. Type it to see the figures; it stays in this page’s memory only.
            </Text>
            <PasswordInput
              label="Metrics token"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={state.wrongToken ? 'The server refused this token' : undefined}
              required
            />
            <Group>
              <Button type="submit">Show the metrics</Button>
            </Group>
          </Stack>
        </form>
      )
    case 'error':
      return <FailureAlert error={state.detail} title="Could not read /metrics" />
  }
}

/** Server health: liveness, readiness and database latency, version, and the main metrics. */
export function HealthPage({ session }: { session: ConsoleSession }) {
  const [metricsToken, setMetricsToken] = useState<string>()
  const health = useLoad(() => readServerHealth(session, metricsToken), [session, metricsToken])
  const data = health.data
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Server health</Title>
        <Button variant="default" onClick={health.reload} loading={health.loading}>
          Check again
        </Button>
      </Group>
      {health.loading && !data && <Loader aria-label="Checking the server" />}
      <FailureAlert error={health.message} />
      {data && (
        <>
          <Text>
            Server version: <strong data-testid="server-version">{data.version ?? 'unknown'}</strong>
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <ProbeCard title="Liveness (/health)" probe={data.health} what="The server process answers." />
            <ProbeCard
              title="Readiness (/ready)"
              probe={data.ready}
              what="The database took a write within the readiness timeout."
            />
          </SimpleGrid>
          {!data.ready.ok && (
            <Alert color="red" role="alert" title="Not ready">
              Load balancers stop sending requests here until the database answers again.
            </Alert>
          )}
          <Title order={3}>Metrics</Title>
          <Metrics state={data.metrics} onToken={setMetricsToken} />
        </>
      )}
    </Stack>
  )
}
