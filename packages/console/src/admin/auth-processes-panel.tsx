import { useState, type FormEvent } from 'react'
import {
  Alert,
  Button,
  Checkbox,
  Code,
  Group,
  NativeSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import type { AuthApplicationDto, AuthProcessDto, AuthProcessWriteDto } from '@cairn/protocol'
import type { ConsoleSession } from '../session/console-session.ts'
import { ConfirmButton } from './confirm-button.tsx'
import { FailureAlert } from './failure-alert.tsx'
import { useAction } from './use-action.ts'
import { useLoad } from '../ui/use-load.ts'

/**
 * The authentication processes (sign-up and login by code, docs/messaging.md): their list, a form
 * creating one (the server fills in the defaults: 6-digit codes valid 10 minutes, 5 attempts,
 * registration allowed for patients only), and their deletion (codes already sent stop working).
 */
export function AuthProcessesPanel({
  session,
  applications,
}: {
  session: ConsoleSession
  applications: AuthApplicationDto[]
}) {
  const processes = useLoad(
    () => session.rest.request<AuthProcessDto[]>('GET', '/msggw/authprocess'),
    [session],
  )
  const [specId, setSpecId] = useState('')
  const [id, setId] = useState('')
  const [channel, setChannel] = useState<AuthProcessWriteDto['channel']>('email')
  const [kind, setKind] = useState<AuthProcessWriteDto['kind']>('patient')
  const [responsibleHcpId, setResponsibleHcpId] = useState('')
  const [allowRegistration, setAllowRegistration] = useState(true)
  const create = useAction()
  const remove = useAction()
  const app = applications.find((a) => a.specId === specId) ?? applications[0]

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!app) return
    const body: AuthProcessWriteDto = {
      specId: app.specId,
      channel,
      kind,
      allowRegistration,
      ...(id.trim() ? { id: id.trim() } : {}),
      ...(responsibleHcpId.trim() ? { responsibleHcpId: responsibleHcpId.trim() } : {}),
    }
    const made = await create.run(
      () => session.rest.request<AuthProcessDto>('POST', '/msggw/authprocess', body),
      (p) => `Process ${p.id} created.`,
    )
    if (made) {
      setId('')
      processes.reload()
    }
  }

  const deleteProcess = (processId: string) =>
    void remove
      .run(
        () => session.rest.request('DELETE', `/msggw/authprocess/${encodeURIComponent(processId)}`),
        `Process ${processId} deleted.`,
      )
      .then(processes.reload)

  return (
    <Stack>
      <Title order={3}>Authentication processes</Title>
      <FailureAlert error={processes.message} title="Could not list the processes" />
      <Table.ScrollContainer minWidth={640}>
        <Table striped captionSide="top">
          <Table.Caption>How codes are sent, and what a sign-up creates</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Process id</Table.Th>
              <Table.Th scope="col">Application</Table.Th>
              <Table.Th scope="col">Channel</Table.Th>
              <Table.Th scope="col">Creates</Table.Th>
              <Table.Th scope="col">Registration</Table.Th>
              <Table.Th scope="col">Codes</Table.Th>
              <Table.Th scope="col">Action</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(processes.data ?? []).map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Code>{p.id}</Code>
                </Table.Td>
                <Table.Td>{p.specId}</Table.Td>
                <Table.Td>{p.channel}</Table.Td>
                <Table.Td>{p.kind === 'patient' ? 'patients' : 'professionals'}</Table.Td>
                <Table.Td>{p.allowRegistration ? 'allowed' : 'existing users only'}</Table.Td>
                <Table.Td>
                  {p.codeLength} digits, {Math.round(p.codeLifetimeSeconds / 60)} min, {p.maxAttempts} tries
                </Table.Td>
                <Table.Td>
                  <ConfirmButton
                    label={`Delete process ${p.id}`}
                    question="Codes already sent by this process stop working, and apps using its id can no longer sign anyone in."
                    onConfirm={() => deleteProcess(p.id)}
                    disabled={remove.busy}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {processes.data?.length === 0 && <Text>No authentication process yet.</Text>}
      <FailureAlert error={remove.error} title="The process was not deleted" />
      {remove.done && (
        <Alert color="green" role="status">
          {remove.done}
        </Alert>
      )}
      <form onSubmit={(e) => void submit(e)} aria-labelledby="process-form-title">
        <Stack gap="sm">
          <Title order={4} id="process-form-title">
            Create an authentication process
          </Title>
          {applications.length === 0 && <Text>Create an application first.</Text>}
          <Group grow wrap="wrap" align="flex-start">
            <NativeSelect
              label="Application of the process"
              data={applications.map((a) => ({ value: a.specId, label: `${a.name} (${a.specId})` }))}
              value={app?.specId ?? ''}
              onChange={(e) => setSpecId(e.currentTarget.value)}
              disabled={applications.length === 0}
            />
            <TextInput
              label="Process id"
              description="Empty: a generated id"
              value={id}
              onChange={(e) => setId(e.currentTarget.value)}
            />
          </Group>
          <Group grow wrap="wrap" align="flex-start">
            <NativeSelect
              label="Channel"
              data={[
                { value: 'email', label: 'Email' },
                { value: 'sms', label: 'SMS' },
              ]}
              value={channel}
              onChange={(e) => setChannel(e.currentTarget.value as AuthProcessWriteDto['channel'])}
            />
            <NativeSelect
              label="A sign-up creates"
              data={[
                { value: 'patient', label: 'A patient' },
                { value: 'healthcareProfessional', label: 'A healthcare professional' },
              ]}
              value={kind}
              onChange={(e) => {
                const k = e.currentTarget.value as AuthProcessWriteDto['kind']
                setKind(k)
                // The server's defaults: patients may register, professionals may not.
                setAllowRegistration(k === 'patient')
              }}
            />
          </Group>
          <TextInput
            label="Responsible healthcare professional id"
            description="Manager of the users it registers (optional)"
            value={responsibleHcpId}
            onChange={(e) => setResponsibleHcpId(e.currentTarget.value)}
          />
          <Checkbox
            label="Allow registration (unknown recipients get an account)"
            checked={allowRegistration}
            onChange={(e) => setAllowRegistration(e.currentTarget.checked)}
          />
          <Group>
            <Button type="submit" loading={create.busy} disabled={!app}>
              Create process
            </Button>
          </Group>
          <FailureAlert error={create.error} title="The process was not created" />
          {create.done && (
            <Alert color="green" role="status">
              {create.done}
            </Alert>
          )}
        </Stack>
      </form>
    </Stack>
  )
}
