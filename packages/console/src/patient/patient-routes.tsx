import { PendingBadge } from '../ui/pending-badge.tsx'
import type { ConsoleRoute } from '../shell/console-route.ts'
import { AccessLogPage } from './access-log-page.tsx'
import { MyDataPage } from './my-data-page.tsx'
import { PatientInboxPage } from './patient-inbox-page.tsx'

/** A patient's screens: their own records, who accessed them, their notifications. */
export const patientRoutes: readonly ConsoleRoute[] = [
  { path: '/my-data', label: 'My data', render: (session) => <MyDataPage session={session} /> },
  {
    path: '/access-log',
    label: 'Who accessed my data',
    render: (session) => <AccessLogPage session={session} />,
  },
  {
    path: '/notifications',
    label: 'Notifications',
    badge: PendingBadge,
    render: (session) => <PatientInboxPage session={session} />,
  },
]
