import { Text, Title } from '@mantine/core'
import type { ConsoleRoute } from '../shell/console-route.ts'

/** A healthcare professional's screens (patients, their records, notifications, sharing). */
export const doctorRoutes: readonly ConsoleRoute[] = [
  {
    path: '/patients',
    label: 'Patients',
    render: () => (
      <>
        <Title order={2}>Patients</Title>
        <Text>Your patients will be listed here.</Text>
      </>
    ),
  },
]
