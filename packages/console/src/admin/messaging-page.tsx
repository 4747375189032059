import { Divider, Stack, Text, Title } from '@mantine/core'
import type { AuthApplicationDto } from '@cairn/protocol'
import type { ConsoleSession } from '../session/console-session.ts'
import { ApplicationsPanel } from './applications-panel.tsx'
import { AuthProcessesPanel } from './auth-processes-panel.tsx'
import { OutboxPanel } from './outbox-panel.tsx'
import { useLoad } from '../ui/use-load.ts'

/** The messaging settings: applications, authentication processes and the outbox (docs/messaging.md). */
export function MessagingPage({ session }: { session: ConsoleSession }) {
  const apps = useLoad(
    () => session.rest.request<AuthApplicationDto[]>('GET', '/msggw/application'),
    [session],
  )
  return (
    <Stack>
      <Title order={2}>Messaging</Title>
      <Text size="sm">
        Invitations and sign-up or login codes go out in the name of an application, by email (CAIRN_SMTP_URL)
        or SMS (CAIRN_SMS_URL), through a persistent outbox.
      </Text>
      <ApplicationsPanel session={session} apps={apps} />
      <Divider />
      <AuthProcessesPanel session={session} applications={apps.data ?? []} />
      <Divider />
      <OutboxPanel session={session} />
    </Stack>
  )
}
