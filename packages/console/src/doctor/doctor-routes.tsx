import { PendingBadge } from '../ui/pending-badge.tsx'
import type { ConsoleRoute } from '../shell/console-route.ts'
import { AccessLogPage } from './access-log-page.tsx'
import { DataSampleFormPage } from './data-sample-form-page.tsx'
import { HealthcareElementFormPage } from './healthcare-element-form-page.tsx'
import { InboxPage } from './inbox-page.tsx'
import { PatientFormPage } from './patient-form-page.tsx'
import { PatientPage } from './patient-page.tsx'
import { PatientsPage } from './patients-page.tsx'

/**
 * A healthcare professional's screens: patients (list, search, create), a patient's page with its
 * records (edit, record a visit, share, invite, access log) and the notifications inbox. Literal
 * paths come before `:param` ones of the same shape (`/patients/new` before `/patients/:id`): the
 * shell takes the first match. The `key`s make React start each screen afresh for another record.
 */
export const doctorRoutes: readonly ConsoleRoute[] = [
  { path: '/patients', label: 'Patients', render: () => <PatientsPage /> },
  { path: '/notifications', label: 'Notifications', badge: PendingBadge, render: () => <InboxPage /> },
  { path: '/patients/new', render: () => <PatientFormPage key="new" /> },
  { path: '/patients/:id', render: (_s, p) => <PatientPage key={p.id} patientId={p.id} /> },
  { path: '/patients/:id/edit', render: (_s, p) => <PatientFormPage key={p.id} patientId={p.id} /> },
  {
    path: '/patients/:id/samples/new',
    render: (_s, p) => <DataSampleFormPage key={`${p.id}/new`} patientId={p.id} />,
  },
  {
    path: '/patients/:id/samples/:sampleId',
    render: (_s, p) => <DataSampleFormPage key={p.sampleId} patientId={p.id} sampleId={p.sampleId} />,
  },
  {
    path: '/patients/:id/elements/new',
    render: (_s, p) => <HealthcareElementFormPage key={`${p.id}/new`} patientId={p.id} />,
  },
  {
    path: '/patients/:id/elements/:elementId',
    render: (_s, p) => (
      <HealthcareElementFormPage key={p.elementId} patientId={p.id} elementId={p.elementId} />
    ),
  },
  {
    path: '/patients/:id/access-log/:entityId',
    render: (_s, p) => <AccessLogPage key={p.entityId} patientId={p.id} entityId={p.entityId} />,
  },
]
