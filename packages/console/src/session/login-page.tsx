import { useState, type FormEvent } from 'react'
import {
  Alert,
  Button,
  Center,
  Loader,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { messageOf } from './console-error.ts'
import type { ConsoleSession } from './console-session.ts'
import { openSession } from './open-session.ts'

/**
 * The sign-in form: a login (or email) and a password. Opening a session also opens the user's keys
 * in this browser, which takes a few seconds on a first sign-in: the button shows it.
 */
export function LoginPage({ onSignedIn }: { onSignedIn: (session: ConsoleSession) => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      onSignedIn(await openSession(window.location.origin, { username: username.trim(), password }))
    } catch (e) {
      setError(messageOf(e))
      setBusy(false)
    }
  }

  return (
    <Center mih="100vh" p="md">
      <Paper component="main" withBorder shadow="sm" p="lg" w="100%" maw={420}>
        <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'login-error' : undefined}>
          <Stack>
            <Title order={1} size="h2">
              Cairn console
            </Title>
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
            <Button type="submit" disabled={busy} leftSection={busy ? <Loader size="xs" /> : undefined}>
              {busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  )
}
