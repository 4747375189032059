import { Text, Title } from '@mantine/core'
import type { ConsoleRoute } from '../shell/console-route.ts'

/** The administrator's screens (users, professionals, messaging, access log, server health). */
export const adminRoutes: readonly ConsoleRoute[] = [
  {
    path: '/admin',
    label: 'Overview',
    render: () => (
      <>
        <Title order={2}>Administration</Title>
        <Text>Signed in as an administrator.</Text>
      </>
    ),
  },
]
