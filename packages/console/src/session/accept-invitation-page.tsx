import { useState, type FormEvent } from 'react'
import { Alert, Button, Code, List, PasswordInput, Stack, Text } from '@mantine/core'
import { AnonymousMedTechApiBuilder, type MedTechApi } from '@cairn/sdk'
import { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { messageOf } from './console-error.ts'
import type { ConsoleSession } from './console-session.ts'
import { KeyProgress, type BusyStep } from './key-progress.tsx'
import { openSession } from './open-session.ts'
import { passwordProblem, setFirstPassword, MIN_PASSWORD_LENGTH } from './set-first-password.ts'
import { SignedOutFrame } from './signed-out-frame.tsx'

/**
 * `authenticateAndAskAccessToItsExistingData` logs in with the invitation token and never reaches the
 * message gateway, but the anonymous builder insists on an application and a process (MedTech's
 * checks): the console names itself. Nothing is ever sent to them.
 */
const CONSOLE_APPLICATION = 'cairn-console'
const NO_PROCESS = 'invitation-only'

/**
 * The screen of an invitation link: shows the invited login, explains that a key pair is made in this
 * browser, and collects the password for later sign-ins. Accepting logs in once with the single-use
 * token (`authenticateAndAskAccessToItsExistingData`: the key pair is made here, and a patient asks the
 * data owners holding its record for access to it), sets the password in that session, then signs in
 * with the password and offers the recovery key (through `onAccepted`).
 *
 * Why a password rather than the 10-year token the SDK returns: the token would have to sit in the
 * browser's storage, where whoever reads the profile could open the record for ten years; a password
 * stays in the person's head, and setting it makes the server delete that token.
 */
export function AcceptInvitationPage(props: {
  login: string
  token: string
  onAccepted: (session: ConsoleSession, strategies: ConsoleCryptoStrategies) => void
  onCancel: () => void
}) {
  const { login, token, onAccepted, onCancel } = props
  const [password, setPassword] = useState('')
  const [repeated, setRepeated] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState<BusyStep>()
  /** The session of the token, kept when setting the password failed after the token was spent. */
  const [accepted, setAccepted] = useState<{ api: MedTechApi; strategies: ConsoleCryptoStrategies }>()
  /** Once saved, a retry only signs in (the first password can be set once in the token's session). */
  const [passwordSaved, setPasswordSaved] = useState(false)

  const finish = async (api: MedTechApi, strategies: ConsoleCryptoStrategies) => {
    if (!passwordSaved) {
      setBusy('setting-password')
      await setFirstPassword(api, password)
      setPasswordSaved(true)
    }
    setBusy('signing-in')
    const session = await openSession(window.location.origin, { username: login, password }, { strategies })
    await api.logout().catch(() => undefined)
    onAccepted(session, strategies)
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const problem = passwordProblem(password, repeated)
    if (problem) {
      setError(problem)
      return
    }
    setError(undefined)
    try {
      if (accepted) {
        await finish(accepted.api, accepted.strategies)
        return
      }
      setBusy('accepting')
      const strategies = new ConsoleCryptoStrategies({ lostKey: 'ask', onStep: setBusy })
      const anonymous = await new AnonymousMedTechApiBuilder()
        .withICureBaseUrl(window.location.origin)
        .withMsgGwSpecId(CONSOLE_APPLICATION)
        .withAuthProcessByEmailId(NO_PROCESS)
        .withCryptoStrategies(strategies)
        .build()
      const result = await anonymous.authenticationApi.authenticateAndAskAccessToItsExistingData(login, token)
      setAccepted({ api: result.medTechApi, strategies })
      await finish(result.medTechApi, strategies)
    } catch (e) {
      setError(messageOf(e))
      setBusy(undefined)
    }
  }

  return (
    <SignedOutFrame title="Accept your invitation">
      <Text>
        You were invited to Cairn as <Code>{login}</Code>.
      </Text>
      <List size="sm" spacing={4}>
        <List.Item>
          A key pair is created in this browser: it encrypts and opens your records, and its private key never
          leaves this browser (the server only receives the public key).
        </List.Item>
        <List.Item>
          Choose a password: you will sign in with your email and this password from now on.
        </List.Item>
        <List.Item>
          You will then be offered a recovery key, to get your keys back on another device.
        </List.Item>
      </List>
      {accepted && (
        <Alert
          color="orange"
          role="alert"
          title="The invitation is accepted, but the password is not saved yet"
        >
          Your key pair is made. Save your password to finish: without it you cannot sign in again.
        </Alert>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <Stack>
          <PasswordInput
            label="New password"
            description={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <PasswordInput
            label="Repeat the password"
            autoComplete="new-password"
            required
            value={repeated}
            onChange={(e) => setRepeated(e.currentTarget.value)}
          />
          {error && (
            <Alert color="red" role="alert" title="The invitation could not be accepted">
              {error}
            </Alert>
          )}
          {busy && <KeyProgress step={busy} />}
          <Button type="submit" disabled={busy !== undefined}>
            {accepted ? 'Save my password' : 'Accept and create my key pair'}
          </Button>
          {!accepted && (
            <Button variant="subtle" onClick={onCancel} disabled={busy !== undefined}>
              I already have an account: sign in
            </Button>
          )}
        </Stack>
      </form>
    </SignedOutFrame>
  )
}
