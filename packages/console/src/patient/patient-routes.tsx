import { Text, Title } from '@mantine/core'
import type { ConsoleRoute } from '../shell/console-route.ts'

/** A patient's screens (their own records, who read them, notifications). */
export const patientRoutes: readonly ConsoleRoute[] = [
  {
    path: '/my-data',
    label: 'My data',
    render: () => (
      <>
        <Title order={2}>My data</Title>
        <Text>Your records will be listed here.</Text>
      </>
    ),
  },
]
