import { useState, type FormEvent } from 'react'
import {
  Alert,
  Anchor,
  Button,
  Code,
  Loader,
  NativeSelect,
  NumberInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import type { AuthApplicationDto } from '@cairn/protocol'
import type { ConsoleSession } from '../session/console-session.ts'
import { FailureAlert } from './failure-alert.tsx'
import { inviteHcp, type InvitationStep, type InvitedHcp } from './invite-hcp.ts'
import { useAction } from './use-action.ts'
import { useLoad } from '../ui/use-load.ts'

const STEP_TEXT: Record<InvitationStep, string> = {
  record: 'Creating the professional’s record…',
  invitation: 'Creating its user and sending the invitation…',
}

/**
 * "Invite a professional": its name and email, the application whose name and sender the email
 * carries, and how long the invitation is valid. The server emails a single-use link to this
 * console's "accept invitation" screen, where the professional makes its own key pair.
 */
export function InviteHcpPage({ session }: { session: ConsoleSession }) {
  const apps = useLoad(
    () => session.rest.request<AuthApplicationDto[]>('GET', '/msggw/application'),
    [session],
  )
  const [email, setEmail] = useState('')
  const [firstName, setFirstName] = useState('')
  const [lastName, setLastName] = useState('')
  const [specId, setSpecId] = useState('')
  const [hours, setHours] = useState<number | string>(48)
  const [step, setStep] = useState<InvitationStep>()
  const [invited, setInvited] = useState<InvitedHcp & { email: string }>()
  const action = useAction()
  const applications = apps.data ?? []
  const chosen = applications.find((a) => a.specId === specId) ?? applications[0]

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!chosen) return
    setInvited(undefined)
    const to = email.trim()
    const result = await action.run(() =>
      inviteHcp(
        session.api,
        window.location.origin,
        {
          email: to,
          firstName: firstName.trim(),
          lastName: lastName.trim(),
          specId: chosen.specId,
          appName: chosen.name,
          validitySeconds: Math.round(Number(hours) * 3600),
        },
        setStep,
      ),
    )
    setStep(undefined)
    if (result) {
      setInvited({ ...result, email: to })
      setEmail('')
      setFirstName('')
      setLastName('')
    }
  }

  return (
    <Stack maw={560}>
      <Anchor href="#/admin/professionals">← Healthcare professionals</Anchor>
      <Title order={2}>Invite a healthcare professional</Title>
      <Text size="sm">
        The professional receives an email with a single-use link to this console. Its key pair is made in its
        own browser when it accepts: no private key is ever made here.
      </Text>
      <FailureAlert error={apps.message} title="Could not list the applications" />
      {apps.loading && <Loader size="sm" aria-label="Loading the applications" />}
      {!apps.loading && !apps.message && applications.length === 0 && (
        <Alert color="yellow" role="status" title="No application yet">
          An invitation is sent in the name of an application.{' '}
          <Anchor href="#/admin/messaging">Create one</Anchor> first.
        </Alert>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <Stack>
          <TextInput
            label="Email"
            type="email"
            required
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <TextInput
            label="First name"
            required
            value={firstName}
            onChange={(e) => setFirstName(e.currentTarget.value)}
          />
          <TextInput
            label="Last name"
            required
            value={lastName}
            onChange={(e) => setLastName(e.currentTarget.value)}
          />
          <NativeSelect
            label="Application"
            description="Its name and sender address are the email’s"
            data={applications.map((a) => ({ value: a.specId, label: `${a.name} (${a.specId})` }))}
            value={chosen?.specId ?? ''}
            onChange={(e) => setSpecId(e.currentTarget.value)}
            disabled={applications.length === 0}
          />
          <NumberInput
            label="Valid for (hours)"
            min={1}
            max={24 * 30}
            required
            value={hours}
            onChange={setHours}
          />
          <Button
            type="submit"
            disabled={!chosen || action.busy}
            leftSection={action.busy ? <Loader size="xs" /> : undefined}
          >
            {action.busy ? 'Inviting…' : 'Send the invitation'}
          </Button>
          {step && (
            <Text role="status" size="sm">
              {STEP_TEXT[step]}
            </Text>
          )}
        </Stack>
      </form>
      <FailureAlert error={action.error} title="The invitation was not sent" />
      {invited && (
        <Alert color="green" role="status" title="Invitation queued">
          The invitation to {invited.email} is on its way (login <Code>{invited.login}</Code>). The
          professional{' '}
          <Anchor href={`#/admin/professionals/${encodeURIComponent(invited.healthcareProfessionalId)}`}>
            {invited.healthcareProfessionalId}
          </Anchor>{' '}
          has no key until it accepts.
        </Alert>
      )}
    </Stack>
  )
}
