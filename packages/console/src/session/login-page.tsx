import { useState, type FormEvent } from 'react'
import { Alert, Button, PasswordInput, Text, TextInput } from '@mantine/core'
import { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { messageOf } from './console-error.ts'
import type { ConsoleSession } from './console-session.ts'
import { KeyProgress, type BusyStep } from './key-progress.tsx'
import { KeysNotOnThisDevice } from './keys-not-on-this-device.ts'
import { MissingKeysPage } from './missing-keys-page.tsx'
import { openSession, type Credentials } from './open-session.ts'
import { holdInvitation } from './pending-invitation.ts'
import { RecoveryKeyOffer } from './recovery-key-offer.tsx'
import { SignedOutFrame } from './signed-out-frame.tsx'

/**
 * The shape of the server's tokens (`<token id>.<secret>`, invitations and long-lived tokens alike):
 * typed as a password, it goes to the accept screen, which spends it once and sets a password.
 */
const TOKEN_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{40,}$/i

type Screen =
  | { screen: 'form' }
  | { screen: 'missing-keys'; credentials: Credentials }
  | { screen: 'offer'; session: ConsoleSession; strategies: ConsoleCryptoStrategies }

/**
 * Sign-in: a login (or email) and a password, then the keys. A data owner with no key yet gets a key
 * pair made in this browser (with progress shown) and is offered a recovery key; one whose keys are
 * published but not in this browser chooses between the recovery key and a new key
 * (MissingKeysPage). `onSignedIn` gets the session once all of that is done. An invitation token typed
 * as the password goes to the accept screen instead (see TOKEN_SHAPE).
 */
export function LoginPage({ onSignedIn }: { onSignedIn: (session: ConsoleSession) => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState<BusyStep>()
  const [screen, setScreen] = useState<Screen>({ screen: 'form' })

  /** A key pair made now is offered a recovery key before the console opens. */
  const opened = (session: ConsoleSession, strategies: ConsoleCryptoStrategies) => {
    setPassword('')
    if (strategies.madeKeyPair) setScreen({ screen: 'offer', session, strategies })
    else onSignedIn(session)
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    const credentials = { username: username.trim(), password }
    if (TOKEN_SHAPE.test(password.trim())) {
      setPassword('')
      holdInvitation({ login: credentials.username, token: password.trim() })
      return
    }
    setBusy('signing-in')
    const strategies = new ConsoleCryptoStrategies({ lostKey: 'ask', onStep: setBusy })
    try {
      opened(await openSession(window.location.origin, credentials, { strategies }), strategies)
    } catch (e) {
      if (e instanceof KeysNotOnThisDevice) setScreen({ screen: 'missing-keys', credentials })
      else setError(messageOf(e))
    } finally {
      setBusy(undefined)
    }
  }

  if (screen.screen === 'missing-keys')
    return (
      <MissingKeysPage
        credentials={screen.credentials}
        onSession={opened}
        onCancel={() => {
          setPassword('')
          setScreen({ screen: 'form' })
        }}
      />
    )
  if (screen.screen === 'offer')
    return (
      <RecoveryKeyOffer
        session={screen.session}
        strategies={screen.strategies}
        onDone={() => onSignedIn(screen.session)}
      />
    )
  return (
    <SignedOutFrame title="Cairn console">
      <form
        onSubmit={(e) => void submit(e)}
        aria-describedby={error ? 'login-error' : undefined}
        style={{ display: 'flex', flexDirection: 'column', gap: 'var(--mantine-spacing-md)' }}
      >
        <Text size="sm" c="dimmed">
          Records are decrypted in this page with keys kept in this browser; the server never sees them.
        </Text>
        <TextInput
          label="Login or email"
          autoComplete="username"
          required
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
        />
        <PasswordInput
          label="Password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        {error && (
          <Alert id="login-error" color="red" role="alert" title="Sign-in failed">
            {error}
          </Alert>
        )}
        {busy && <KeyProgress step={busy} />}
        <Button type="submit" disabled={busy !== undefined}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </SignedOutFrame>
  )
}
