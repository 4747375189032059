import type { ConsoleRoute } from '../shell/console-route.ts'
import { AuditPage } from './audit-page.tsx'
import { DevicesPage } from './devices-page.tsx'
import { HealthPage } from './health-page.tsx'
import { InviteHcpPage } from './invite-hcp-page.tsx'
import { MessagingPage } from './messaging-page.tsx'
import { ProfessionalDetailsPage } from './professional-details-page.tsx'
import { ProfessionalsPage } from './professionals-page.tsx'
import { UserDetailsPage } from './user-details-page.tsx'
import { UsersPage } from './users-page.tsx'

/**
 * The administrator's screens: users, healthcare professionals (and their invitation), messaging
 * settings, the access log and the server's health. The admin has no data owner and no keys: nothing
 * here decrypts anything; its SDK reads the clear directories and the log, and `session.rest` the
 * administration routes the SDK does not cover.
 */
export const adminRoutes: readonly ConsoleRoute[] = [
  { path: '/admin/users', label: 'Users', render: (s) => <UsersPage session={s} /> },
  { path: '/admin/users/:id', render: (s, p) => <UserDetailsPage key={p.id} session={s} id={p.id} /> },
  { path: '/admin/professionals', label: 'Professionals', render: (s) => <ProfessionalsPage session={s} /> },
  { path: '/admin/professionals/invite', render: (s) => <InviteHcpPage session={s} /> },
  {
    path: '/admin/professionals/:id',
    render: (s, p) => <ProfessionalDetailsPage key={p.id} session={s} id={p.id} />,
  },
  { path: '/admin/devices', label: 'Medical devices', render: (s) => <DevicesPage session={s} /> },
  { path: '/admin/messaging', label: 'Messaging', render: (s) => <MessagingPage session={s} /> },
  { path: '/admin/audit', label: 'Access log', render: (s) => <AuditPage session={s} /> },
  { path: '/admin/health', label: 'Server health', render: (s) => <HealthPage session={s} /> },
]
