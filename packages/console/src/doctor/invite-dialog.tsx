import { useState, type FormEvent } from 'react'
import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core'
import { medTechApi, type MedTechApi, type Patient } from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { ConsoleInvitationEmail } from './console-invitation-email.ts'
import { patientEmail } from './patient-email.ts'
import { patientName } from './patient-name.ts'
import { rememberSpecId, rememberedSpecId } from './spec-id-store.ts'

/**
 * Invites the patient to the console: `userApi.createAndInviteUser` creates its user (login: its
 * email) and the server emails it a link to this console's "accept invitation" screen with a
 * single-use token this page never sees. Invitations go through an application of the server's
 * message gateway (its spec id, docs/messaging.md), which the doctor enters once per browser. The
 * patient's keys are made in its own browser when it accepts; it then asks for its data, which shows
 * in the doctor's notifications.
 */
export function InviteDialog(props: {
  opened: boolean
  onClose: () => void
  patient: Patient
  onInvited: () => void
}) {
  const { opened, onClose, patient, onInvited } = props
  const { api, dataOwnerId } = useSession()
  const [specId, setSpecId] = useState(rememberedSpecId())
  const [appName, setAppName] = useState('Cairn')
  const [sentTo, setSentTo] = useState<string>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const email = patientEmail(patient)

  const invite = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    let inviting: MedTechApi | undefined
    try {
      const hcp = await api.healthcareProfessionalApi.getHealthcareProfessional(dataOwnerId!)
      const hcpEmail = hcp.addresses
        .flatMap((a) => a.telecoms ?? [])
        .find((t) => t.telecomType === 'email' && t.telecomNumber)?.telecomNumber
      // The session's API has no application: an API with its spec id is built from the same settings
      // (a fresh login, which the server asks of an inviter anyway), disposed of once the invitation is
      // sent so that its session does not outlive the dialog.
      inviting = await medTechApi(api).withMsgGwSpecId(specId.trim()).build()
      const user = await inviting.userApi.createAndInviteUser(
        patient,
        new ConsoleInvitationEmail(hcp, patient, window.location.origin, appName.trim() || 'Cairn', hcpEmail),
      )
      rememberSpecId(specId.trim())
      setSentTo(user.login ?? email)
      onInvited()
    } catch (e) {
      setError(e)
    } finally {
      await inviting?.dispose().catch(() => undefined)
      setBusy(false)
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title={`Invite ${patientName(patient)}`}>
      {!email ? (
        <Stack>
          <Text role="alert">
            This patient has no email address: add one (Edit) so that the invitation can reach them.
          </Text>
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
        </Stack>
      ) : (
        <form onSubmit={(e) => void invite(e)}>
          <Stack>
            <Text size="sm">
              An invitation to read their records in this console goes to <strong>{email}</strong>. Their keys
              are made in their own browser when they accept it.
            </Text>
            <TextInput
              label="Application (spec id)"
              description="The messaging application of this server, as your administrator set it up"
              required
              value={specId}
              onChange={(e) => setSpecId(e.currentTarget.value)}
            />
            <TextInput
              label="Name in the email"
              value={appName}
              onChange={(e) => setAppName(e.currentTarget.value)}
            />
            <ErrorAlert error={error} title="Could not send the invitation" />
            {sentTo && (
              <Alert color="green" role="status" title="Invitation sent">
                The invitation was sent to {sentTo}.
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
              <Button type="submit" loading={busy} disabled={Boolean(sentTo)}>
                Send invitation
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  )
}
