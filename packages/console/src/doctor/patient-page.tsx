import { useState } from 'react'
import { Alert, Anchor, Button, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { formatDate } from '../ui/format-date.ts'
import { IntegrityFailureCard } from '../ui/integrity-failure.tsx'
import { useLoad } from '../ui/use-load.ts'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'
import { InviteDialog } from './invite-dialog.tsx'
import { patientEmail } from './patient-email.ts'
import { patientName } from './patient-name.ts'
import { MAX_RECORDS, loadDataSamples, loadHealthcareElements } from './patient-records.ts'
import { RecordCard } from './record-card.tsx'
import { sampleContentText } from './sample-content.ts'
import { ShareDialog } from './share-dialog.tsx'

/** One "label: value" line of the patient's details. */
function Detail({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed">
        {label}
      </Text>
      <Text component="dd" m={0}>
        {value}
      </Text>
    </div>
  )
}

/**
 * A patient's page: its details (decrypted here), its data samples and healthcare elements with
 * their codes and dates, and what the doctor does from there: edit, record a visit, add a healthcare
 * element, share, invite the patient, and see who accessed each record. Content this device cannot
 * open says so instead of looking empty.
 */
export function PatientPage({ patientId }: { patientId: string }) {
  const { api } = useSession()
  const [sharing, setSharing] = useState(false)
  const [inviting, setInviting] = useState(false)
  const loaded = useLoad(async () => {
    const patient = await api.patientApi.getPatientAndTryDecrypt(patientId)
    // Without the record's key, its records cannot be found through it (their link to the patient is
    // a secret id inside the record): nothing to list until access is given back.
    const none = { rows: [], total: 0, failures: [] }
    const [samples, elements] = isWithheld(patient)
      ? [none, none]
      : await Promise.all([loadDataSamples(api, patient), loadHealthcareElements(api, patient)])
    return { patient, samples, elements }
  }, [api, patientId])

  if (loaded.error)
    return (
      <Stack>
        <Anchor href="#/patients">Back to patients</Anchor>
        <ErrorAlert error={loaded.error} title="Could not open the patient" />
      </Stack>
    )
  if (!loaded.data) return <Loader aria-label="Loading the patient" />
  const { patient, samples, elements } = loaded.data
  const withheld = isWithheld(patient)
  const base = `#/patients/${encodeURIComponent(patientId)}`
  const log = (id: string) => `${base}/access-log/${encodeURIComponent(id)}`

  return (
    <Stack>
      <Anchor href="#/patients">Back to patients</Anchor>
      <Group justify="space-between" wrap="wrap" align="start">
        <Title order={2}>{patientName(patient)}</Title>
        <Group gap="xs" wrap="wrap">
          {!withheld && (
            <Button component="a" href={`${base}/edit`} variant="default">
              Edit
            </Button>
          )}
          {!withheld && <Button onClick={() => setSharing(true)}>Share…</Button>}
          {!withheld && (
            <Button variant="default" onClick={() => setInviting(true)}>
              Invite to the console…
            </Button>
          )}
          <Button component="a" href={log(patientId)} variant="subtle">
            Who accessed this
          </Button>
        </Group>
      </Group>
      {withheld && (
        <Alert color="yellow" title={NOT_READABLE}>
          This device holds no key that opens this patient&apos;s record: its note, data samples and
          healthcare elements cannot be shown, and it cannot be edited or shared from here, until a colleague
          or the patient gives your new key access back.
        </Alert>
      )}
      <SimpleGrid component="dl" cols={{ base: 1, xs: 2, md: 4 }} m={0}>
        <Detail label="Date of birth" value={formatDate(patient.dateOfBirth)} />
        <Detail label="Gender" value={patient.gender ?? '—'} />
        <Detail label="Email" value={patientEmail(patient) ?? '—'} />
        <Detail label="Note" value={withheld ? NOT_READABLE : (patient.note ?? '—')} />
      </SimpleGrid>

      <Group justify="space-between" wrap="wrap" mt="md">
        <Title order={3}>Data samples</Title>
        {!withheld && (
          <Button component="a" href={`${base}/samples/new`}>
            Record a visit
          </Button>
        )}
      </Group>
      {samples.rows.length + samples.failures.length === 0 ? (
        <Text>{withheld ? NOT_READABLE : 'No data sample yet.'}</Text>
      ) : (
        <Stack component="ul" gap="xs" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Data samples">
          {samples.rows.map((s) => {
            const when = formatDate(s.valueDate ?? s.openingDate)
            return (
              <RecordCard
                key={s.id}
                heading={when}
                what={`data sample of ${when}`}
                codes={s.codes}
                editHref={isWithheld(s) ? undefined : `${base}/samples/${encodeURIComponent(s.id!)}`}
                logHref={log(s.id!)}
              >
                <Text>{sampleContentText(s)}</Text>
                {s.comment && <Text size="sm">Comment: {s.comment}</Text>}
              </RecordCard>
            )
          })}
          {samples.failures.map((f) => (
            <IntegrityFailureCard key={f.id} failure={f} what="data sample" />
          ))}
        </Stack>
      )}
      {samples.total > MAX_RECORDS && (
        <Text size="sm">
          The newest {MAX_RECORDS} of {samples.total} are shown.
        </Text>
      )}

      <Group justify="space-between" wrap="wrap" mt="md">
        <Title order={3}>Healthcare elements</Title>
        {!withheld && (
          <Button component="a" href={`${base}/elements/new`} variant="default">
            New healthcare element
          </Button>
        )}
      </Group>
      {elements.rows.length + elements.failures.length === 0 ? (
        <Text>{withheld ? NOT_READABLE : 'No healthcare element yet.'}</Text>
      ) : (
        <Stack
          component="ul"
          gap="xs"
          p={0}
          m={0}
          style={{ listStyle: 'none' }}
          aria-label="Healthcare elements"
        >
          {elements.rows.map((he) => {
            const since = formatDate(he.openingDate ?? he.created)
            return (
              <RecordCard
                key={he.id}
                heading={he.closingDate ? `${since} – ${formatDate(he.closingDate)}` : `Since ${since}`}
                what={`healthcare element of ${since}`}
                codes={he.codes}
                editHref={isWithheld(he) ? undefined : `${base}/elements/${encodeURIComponent(he.id!)}`}
                logHref={log(he.id!)}
              >
                <Text>{isWithheld(he) ? NOT_READABLE : (he.description ?? '—')}</Text>
                {!isWithheld(he) && he.note && <Text size="sm">Note: {he.note}</Text>}
              </RecordCard>
            )
          })}
          {elements.failures.map((f) => (
            <IntegrityFailureCard key={f.id} failure={f} what="healthcare element" />
          ))}
        </Stack>
      )}

      {!withheld && (
        <>
          <ShareDialog
            opened={sharing}
            onClose={() => setSharing(false)}
            patient={patient}
            samples={samples.rows}
            elements={elements.rows}
            totals={{ samples: samples.total, elements: elements.total }}
            onShared={() => undefined}
          />
          <InviteDialog
            opened={inviting}
            onClose={() => setInviting(false)}
            patient={patient}
            onInvited={() => undefined}
          />
        </>
      )}
    </Stack>
  )
}
