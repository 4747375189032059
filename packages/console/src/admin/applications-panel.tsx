import { useState, type FormEvent } from 'react'
import {
  Alert,
  Button,
  Code,
  Group,
  NativeSelect,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import type { AuthApplicationDto, AuthApplicationWriteDto } from '@cairn/protocol'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { formatTime } from './format.ts'
import { useAction } from './use-action.ts'
import type { Loaded } from '../ui/use-load.ts'

type Captcha = AuthApplicationWriteDto['captcha']
const CAPTCHAS: { value: Captcha; label: string }[] = [
  { value: 'none', label: 'None (development only)' },
  { value: 'recaptcha', label: 'reCAPTCHA' },
  { value: 'friendly-captcha', label: 'Friendly Captcha' },
]

/**
 * The applications (MedTech's specId): their list, and a form that creates one or replaces one with
 * the same specId (`PUT /msggw/application/{specId}`). A captcha secret is write-only: the server
 * never returns it, the list only says whether there is one.
 */
export function ApplicationsPanel({
  session,
  apps,
}: {
  session: ConsoleSession
  apps: Loaded<AuthApplicationDto[]>
}) {
  const [specId, setSpecId] = useState('')
  const [name, setName] = useState('')
  const [emailFrom, setEmailFrom] = useState('')
  const [captcha, setCaptcha] = useState<Captcha>('none')
  const [captchaSecret, setCaptchaSecret] = useState('')
  const [captchaSiteKey, setCaptchaSiteKey] = useState('')
  const action = useAction()

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const body: AuthApplicationWriteDto = {
      name: name.trim(),
      captcha,
      ...(emailFrom.trim() ? { emailFrom: emailFrom.trim() } : {}),
      ...(captcha !== 'none' && captchaSecret ? { captchaSecret } : {}),
      ...(captcha === 'friendly-captcha' && captchaSiteKey.trim()
        ? { captchaSiteKey: captchaSiteKey.trim() }
        : {}),
    }
    const id = specId.trim()
    const saved = await action.run(
      () =>
        session.rest.request<AuthApplicationDto>('PUT', `/msggw/application/${encodeURIComponent(id)}`, body),
      (app) => `Application ${app.specId} saved.`,
    )
    if (saved) {
      setCaptchaSecret('')
      apps.reload()
    }
  }

  return (
    <Stack>
      <Title order={3}>Applications</Title>
      <FailureAlert error={apps.message} title="Could not list the applications" />
      <Table.ScrollContainer minWidth={560}>
        <Table striped captionSide="top">
          <Table.Caption>
            Applications: the name and sender of their messages, and their captcha
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">specId</Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Sender</Table.Th>
              <Table.Th scope="col">Captcha</Table.Th>
              <Table.Th scope="col">Modified</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(apps.data ?? []).map((a) => (
              <Table.Tr key={a.specId}>
                <Table.Td>
                  <Code>{a.specId}</Code>
                </Table.Td>
                <Table.Td>{a.name}</Table.Td>
                <Table.Td>{a.emailFrom ?? 'the server’s (CAIRN_SMTP_FROM)'}</Table.Td>
                <Table.Td>
                  {a.captcha}
                  {a.captcha !== 'none' && !a.hasCaptchaSecret ? ' (no secret!)' : ''}
                </Table.Td>
                <Table.Td>{formatTime(a.modified)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {apps.data?.length === 0 && <Text>No application yet.</Text>}
      <form onSubmit={(e) => void submit(e)} aria-labelledby="application-form-title">
        <Stack gap="sm">
          <Title order={4} id="application-form-title">
            Create or replace an application
          </Title>
          <Group grow wrap="wrap" align="flex-start">
            <TextInput
              label="specId"
              description="Letters, digits, - and _"
              required
              value={specId}
              onChange={(e) => setSpecId(e.currentTarget.value)}
            />
            <TextInput
              label="Application name"
              description="Shown in its messages"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
          </Group>
          <TextInput
            label="Sender email"
            description="Empty: the server's CAIRN_SMTP_FROM"
            type="email"
            value={emailFrom}
            onChange={(e) => setEmailFrom(e.currentTarget.value)}
          />
          <NativeSelect
            label="Captcha"
            data={CAPTCHAS}
            value={captcha}
            onChange={(e) => setCaptcha(e.currentTarget.value as Captcha)}
          />
          {captcha !== 'none' && (
            <PasswordInput
              label="Captcha secret"
              description="Sent to the server, never shown again"
              required
              autoComplete="off"
              value={captchaSecret}
              onChange={(e) => setCaptchaSecret(e.currentTarget.value)}
            />
          )}
          {captcha === 'friendly-captcha' && (
            <TextInput
              label="Friendly Captcha site key"
              value={captchaSiteKey}
              onChange={(e) => setCaptchaSiteKey(e.currentTarget.value)}
            />
          )}
          <Group>
            <Button type="submit" loading={action.busy}>
              Save application
            </Button>
          </Group>
          <FailureAlert error={action.error} title="The application was not saved" />
          {action.done && (
            <Alert color="green" role="status">
              {action.done}
            </Alert>
          )}
        </Stack>
      </form>
    </Stack>
  )
}
