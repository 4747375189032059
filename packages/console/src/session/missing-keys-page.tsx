import { useState, type FormEvent } from 'react'
import { Alert, Button, Checkbox, Divider, List, Stack, Text, TextInput, Title } from '@mantine/core'
import { SdkError } from '@cairn/sdk'
import { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { messageOf } from './console-error.ts'
import type { ConsoleSession } from './console-session.ts'
import { KeyProgress, type BusyStep } from './key-progress.tsx'
import { openSession, type Credentials } from './open-session.ts'
import { SignedOutFrame } from './signed-out-frame.tsx'

/** The message for a failed restore: a refused code said plainly, the rest as the SDK says it. */
function restoreError(e: unknown): string {
  if (e instanceof SdkError && e.status === 403)
    return 'This recovery key does not open your keys. Check each group of characters and try again.'
  return messageOf(e)
}

/**
 * Shown when the person signs in on a browser that lacks the keys they published: restore them with
 * the recovery key (the builder's `withRecoveryKey`; a wrong key can be typed again), or take the
 * lost-key path (a new key pair, and a request to everyone they share records with to give access
 * back) after reading what it means. Nothing happens to the keys until one is chosen.
 */
export function MissingKeysPage(props: {
  credentials: Credentials
  onSession: (session: ConsoleSession, strategies: ConsoleCryptoStrategies) => void
  onCancel: () => void
}) {
  const { credentials, onSession, onCancel } = props
  const [code, setCode] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState<BusyStep>()
  const [lost, setLost] = useState(false)
  const [understood, setUnderstood] = useState(false)

  const open = async (recoveryCode: string | undefined) => {
    setError(undefined)
    setBusy(recoveryCode ? 'restoring' : 'signing-in')
    const strategies = new ConsoleCryptoStrategies({
      lostKey: recoveryCode ? 'ask' : 'create-new-key',
      onStep: setBusy,
    })
    try {
      onSession(
        await openSession(window.location.origin, credentials, { strategies, recoveryCode }),
        strategies,
      )
    } catch (e) {
      setError(recoveryCode ? restoreError(e) : messageOf(e))
      setBusy(undefined)
    }
  }
  const restore = (event: FormEvent) => {
    event.preventDefault()
    void open(code.trim())
  }

  return (
    <SignedOutFrame title="Your keys are not in this browser">
      <Text>
        You have keys, but not in this browser (a new device, or a browser whose data was cleared). Your
        records are encrypted for those keys: choose how to get access back.
      </Text>
      {busy && <KeyProgress step={busy} />}
      {error && (
        <Alert color="red" role="alert" title="That did not work">
          {error}
        </Alert>
      )}
      <form onSubmit={restore}>
        <Stack>
          <Title order={2} size="h4">
            Restore with my recovery key
          </Title>
          <TextInput
            label="Recovery key"
            description="The groups of characters you wrote down when your keys were made (e.g. 7K3M-Q9XA-…)."
            autoComplete="off"
            spellCheck={false}
            required
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
          />
          <Button type="submit" disabled={busy !== undefined}>
            Restore my keys
          </Button>
        </Stack>
      </form>
      <Divider />
      <Stack>
        <Title order={2} size="h4">
          I lost my key
        </Title>
        {!lost ? (
          <Button variant="default" onClick={() => setLost(true)} disabled={busy !== undefined}>
            I lost my key: create a new one
          </Button>
        ) : (
          <>
            <Alert color="orange" title="What a new key means">
              <List size="sm" spacing={4}>
                <List.Item>
                  A new key pair is created in this browser and published; your old keys stay published so
                  that what they signed can still be checked.
                </List.Item>
                <List.Item>
                  Everyone you share records with is asked to give your new key access back. Until they
                  answer, the records they share with you, and those you created, are shown as not readable.
                </List.Item>
                <List.Item>
                  What you kept only for yourself, shared with nobody, cannot be read again.
                </List.Item>
                <List.Item>Records you create from now on are readable at once.</List.Item>
              </List>
            </Alert>
            <Checkbox
              label="I understand: I lost my keys and my recovery key"
              checked={understood}
              onChange={(e) => setUnderstood(e.currentTarget.checked)}
            />
            <Button
              color="orange"
              disabled={!understood || busy !== undefined}
              onClick={() => void open(undefined)}
            >
              Create a new key pair
            </Button>
          </>
        )}
      </Stack>
      <Divider />
      <Button variant="subtle" onClick={onCancel} disabled={busy !== undefined}>
        Back to sign-in
      </Button>
    </SignedOutFrame>
  )
}
