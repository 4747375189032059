import { useState, type FormEvent } from 'react'
import { Alert, Button, Code, List, PasswordInput, Stack, Text } from '@mantine/core'
import { askAccessToOwnData } from './ask-access-to-own-data.ts'
import { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { messageOf } from './console-error.ts'
import type { ConsoleSession, RestClient } from './console-session.ts'
import { KeyProgress, type BusyStep } from './key-progress.tsx'
import { KeysNotOnThisDevice } from './keys-not-on-this-device.ts'
import { MissingKeysPage } from './missing-keys-page.tsx'
import { openSession } from './open-session.ts'
import { loginRest } from './rest-client.ts'
import { passwordProblem, setFirstPassword, MIN_PASSWORD_LENGTH } from './set-first-password.ts'
import { SignedOutFrame } from './signed-out-frame.tsx'

/**
 * The session a sign-in opened, and its strategies: a patient with a first key pair made now asks the
 * data owners holding its record for its data (what the SDK's invitation login did).
 */
async function accepted(session: ConsoleSession, strategies: ConsoleCryptoStrategies): Promise<void> {
  if (session.role === 'patient' && strategies.madeKeyPair && !session.api.accessBackRequests)
    await askAccessToOwnData(session)
}

/**
 * The screen of an invitation link: shows the invited login, explains that a key pair is made in this
 * browser, and collects the password for later sign-ins. Accepting spends the single-use token once,
 * in a REST session that only sets the first password (no key is touched), then signs in with the
 * password as any sign-in does: a first key pair is made in this browser (then the recovery key is
 * offered, through `onAccepted`), or, for a data owner that already has keys (a new user of an existing
 * professional or patient), the person restores them or takes the lost-key path (MissingKeysPage).
 *
 * Why a password rather than a long-lived token: the token would have to sit in the browser's
 * storage, where whoever reads the profile could open the record for years; a password stays in the
 * person's head, and setting it makes the server delete the user's long-lived tokens.
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
  /** The token's session, kept when setting the password failed after the token was spent. */
  const [tokenSession, setTokenSession] = useState<RestClient>()
  /** Once saved, a retry only signs in (the first password can be set once). */
  const [passwordSaved, setPasswordSaved] = useState(false)
  const [missingKeys, setMissingKeys] = useState(false)

  const done = async (session: ConsoleSession, strategies: ConsoleCryptoStrategies) => {
    setBusy('signing-in')
    await accepted(session, strategies)
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
      if (!passwordSaved) {
        setBusy('accepting')
        // The token is spent here, once; its session is kept until the password is saved.
        const rest = tokenSession ?? (await loginRest(window.location.origin, login, token))
        setTokenSession(rest)
        setBusy('setting-password')
        await setFirstPassword(rest, password)
        setPasswordSaved(true)
        setTokenSession(undefined)
        await rest.logout()
      }
      setBusy('signing-in')
      const strategies = new ConsoleCryptoStrategies({ lostKey: 'ask', onStep: setBusy })
      const session = await openSession(window.location.origin, { username: login, password }, { strategies })
      await done(session, strategies)
    } catch (e) {
      setBusy(undefined)
      if (e instanceof KeysNotOnThisDevice) setMissingKeys(true)
      else setError(messageOf(e))
    }
  }

  if (missingKeys)
    return (
      <MissingKeysPage
        credentials={{ username: login, password }}
        onSession={(session, strategies) => void done(session, strategies)}
        onCancel={onCancel}
      />
    )
  const spent = tokenSession !== undefined || passwordSaved
  return (
    <SignedOutFrame title="Accept your invitation">
      <Text>
        You were invited to Cairn as <Code>{login}</Code>.
      </Text>
      <List size="sm" spacing={4}>
        <List.Item>
          Choose a password: you will sign in with your email and this password from now on.
        </List.Item>
        <List.Item>
          A key pair is created in this browser if you have none yet: it encrypts and opens your records, and
          its private key never leaves this browser (the server only receives the public key). If you already
          have keys, you restore them with your recovery key.
        </List.Item>
        <List.Item>
          You will then be offered a recovery key, to get your keys back on another device.
        </List.Item>
      </List>
      {tokenSession && (
        <Alert
          color="orange"
          role="alert"
          title="The invitation is accepted, but the password is not saved yet"
        >
          Save your password to finish: without it you cannot sign in again.
        </Alert>
      )}
      {passwordSaved && (
        <Alert color="green" role="status" title="Your password is saved">
          Sign in to open your keys: use the same password.
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
            {passwordSaved ? 'Sign in' : tokenSession ? 'Save my password' : 'Accept and create my key pair'}
          </Button>
          {!spent && (
            <Button variant="subtle" onClick={onCancel} disabled={busy !== undefined}>
              I already have an account: sign in
            </Button>
          )}
        </Stack>
      </form>
    </SignedOutFrame>
  )
}
