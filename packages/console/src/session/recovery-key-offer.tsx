import { useState } from 'react'
import {
  Alert,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  List,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core'
import type { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { messageOf } from './console-error.ts'
import type { ConsoleSession } from './console-session.ts'
import { KeyProgress } from './key-progress.tsx'
import { SignedOutFrame } from './signed-out-frame.tsx'

type OfferState =
  { step: 'offer' } | { step: 'creating' } | { step: 'shown'; code: string } | { step: 'confirm-skip' }

/**
 * Offered once a key pair was made in this browser (first sign-in, accepted invitation, lost-key
 * path): a recovery key (`cryptoApi.createRecoveryKey()`), shown once in groups with a copy button,
 * to be written down before going on; or skipped after a warning. It can only be made now: the key
 * pair is kept in this browser as non-extractable keys, and the exportable copy the console holds in
 * memory is dropped when this screen is left.
 */
export function RecoveryKeyOffer(props: {
  session: ConsoleSession
  strategies: ConsoleCryptoStrategies
  onDone: () => void
}) {
  const { session, strategies, onDone } = props
  const [state, setState] = useState<OfferState>({ step: 'offer' })
  const [written, setWritten] = useState(false)
  const [error, setError] = useState<string>()
  const requests = session.api.accessBackRequests

  const create = async () => {
    setError(undefined)
    setState({ step: 'creating' })
    try {
      setState({ step: 'shown', code: await session.api.cryptoApi.createRecoveryKey() })
    } catch (e) {
      setError(messageOf(e))
      setState({ step: 'offer' })
    }
  }
  const finish = () => {
    strategies.forgetGeneratedKeyPair()
    onDone()
  }

  return (
    <SignedOutFrame title="Your recovery key">
      {requests && (
        <Alert color="blue" title="A new key pair was created" role="status">
          {requests.notified.length > 0
            ? `${requests.notified.length} data owner(s) you share records with were asked to give your new key access back. `
            : 'Nobody you share records with could be asked to give access back yet. '}
          {requests.failed.length > 0 &&
            `${requests.failed.length} could not be asked now (they can be asked again later). `}
          Records they shared with your old key become readable once they answer.
        </Alert>
      )}
      {state.step === 'offer' && (
        <>
          <Text>
            A key pair was created in this browser: it is what opens your records, and it never leaves this
            browser. If this browser&apos;s data is lost, a recovery key is the only way to get your keys back
            on another device.
          </Text>
          <Text size="sm" c="dimmed">
            The recovery key is shown once. Nobody, the server included, can show it again.
          </Text>
          {error && (
            <Alert color="red" role="alert" title="The recovery key could not be made">
              {error}
            </Alert>
          )}
          <Group>
            <Button onClick={() => void create()}>Create my recovery key</Button>
            <Button variant="subtle" color="red" onClick={() => setState({ step: 'confirm-skip' })}>
              Skip
            </Button>
          </Group>
        </>
      )}
      {state.step === 'creating' && <KeyProgress step="publishing-key" />}
      {state.step === 'confirm-skip' && (
        <>
          <Alert color="orange" role="alert" title="Continue without a recovery key?">
            Without a recovery key, losing this browser&apos;s data (a new computer, a cleared profile) means
            losing the keys: you would have to create new ones and wait for the people you share records with
            to give access back, and what nobody else holds would stay unreadable. A recovery key cannot be
            made later for this key pair.
          </Alert>
          <Group>
            <Button onClick={() => setState({ step: 'offer' })}>Back: create a recovery key</Button>
            <Button variant="default" color="red" onClick={finish}>
              Skip without a recovery key
            </Button>
          </Group>
        </>
      )}
      {state.step === 'shown' && (
        <>
          <Text>
            Write this recovery key down (or print it) and keep it somewhere safe, away from this device:
          </Text>
          <SimpleGrid
            cols={{ base: 2, xs: 4 }}
            spacing="xs"
            component="ol"
            aria-label="Recovery key, in groups of four characters"
            data-testid="recovery-key"
            style={{ listStyle: 'none', padding: 0, margin: 0 }}
          >
            {state.code.split('-').map((group, i) => (
              <li key={i}>
                <Code fz="lg" ff="monospace" style={{ display: 'block', textAlign: 'center' }}>
                  {group}
                </Code>
              </li>
            ))}
          </SimpleGrid>
          <CopyButton value={state.code}>
            {({ copied, copy }) => (
              <Button variant="light" onClick={copy} aria-live="polite">
                {copied ? 'Copied' : 'Copy the recovery key'}
              </Button>
            )}
          </CopyButton>
          <List size="sm">
            <List.Item>Case, spaces and hyphens do not matter when you type it.</List.Item>
            <List.Item>
              Anyone with this key and your password can open your records: keep it private.
            </List.Item>
          </List>
          <Stack gap="xs">
            <Checkbox
              label="I have written down my recovery key"
              checked={written}
              onChange={(e) => setWritten(e.currentTarget.checked)}
            />
            <Button disabled={!written} onClick={finish}>
              Continue
            </Button>
          </Stack>
        </>
      )}
    </SignedOutFrame>
  )
}
