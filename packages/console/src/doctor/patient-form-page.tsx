import { useState, type FormEvent } from 'react'
import { Button, Group, Loader, NativeSelect, Stack, TextInput, Textarea, Title } from '@mantine/core'
import { Patient, type PatientGenderEnum } from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { dateInputOf, fuzzyDateOf } from '../ui/format-date.ts'
import { useLoad } from '../ui/use-load.ts'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'
import { patientEmail, withEmail } from './patient-email.ts'

const GENDERS: { value: PatientGenderEnum | ''; label: string }[] = [
  { value: '', label: 'Not given' },
  { value: 'female', label: 'Female' },
  { value: 'male', label: 'Male' },
  { value: 'indeterminate', label: 'Indeterminate' },
  { value: 'unknown', label: 'Unknown' },
]

/**
 * Creates a patient (no `patientId`) or edits one: names, birth date and gender (in clear, so that
 * the server can search them), the email an invitation goes to, and the note (encrypted in this
 * page). A patient whose content this device cannot open is not edited here: saving it would drop
 * the note nobody could read.
 */
export function PatientFormPage({ patientId }: { patientId?: string }) {
  const { api } = useSession()
  const existing = useLoad(
    async () => (patientId ? api.patientApi.getPatientAndTryDecrypt(patientId) : undefined),
    [api, patientId],
  )
  if (patientId && existing.loading) return <Loader aria-label="Loading the patient" />
  if (existing.error) return <ErrorAlert error={existing.error} title="Could not open the patient" />
  if (patientId && isWithheld(existing.data))
    return <ErrorAlert error={`${NOT_READABLE}: it cannot be edited here.`} title="Not editable" />
  return <PatientForm initial={existing.data} />
}

function PatientForm({ initial }: { initial?: Patient }) {
  const { api } = useSession()
  const [firstName, setFirstName] = useState(initial?.firstName ?? '')
  const [lastName, setLastName] = useState(initial?.lastName ?? '')
  const [birth, setBirth] = useState(dateInputOf(initial?.dateOfBirth))
  const [gender, setGender] = useState<string>(initial?.gender ?? '')
  const [email, setEmail] = useState(patientEmail(initial) ?? '')
  const [note, setNote] = useState(initial?.note ?? '')
  const [error, setError] = useState<unknown>()
  const [saving, setSaving] = useState(false)

  const save = async (e: FormEvent) => {
    e.preventDefault()
    setSaving(true)
    setError(undefined)
    try {
      const saved = await api.patientApi.createOrModifyPatient(
        new Patient({
          ...(initial ?? {}),
          firstName: firstName.trim() || undefined,
          lastName: lastName.trim() || undefined,
          dateOfBirth: fuzzyDateOf(birth),
          gender: (gender || undefined) as PatientGenderEnum | undefined,
          addresses: withEmail(initial?.addresses ?? [], email),
          note: note || undefined,
        }),
      )
      window.location.hash = `/patients/${encodeURIComponent(saved.id!)}`
    } catch (e) {
      setError(e)
      setSaving(false)
    }
  }

  const cancel = initial?.id ? `#/patients/${encodeURIComponent(initial.id)}` : '#/patients'
  return (
    <form onSubmit={(e) => void save(e)}>
      <Stack maw={560}>
        <Title order={2}>{initial ? 'Edit the patient' : 'New patient'}</Title>
        <TextInput
          label="First name"
          value={firstName}
          onChange={(e) => setFirstName(e.currentTarget.value)}
        />
        <TextInput
          label="Last name"
          required
          value={lastName}
          onChange={(e) => setLastName(e.currentTarget.value)}
        />
        <TextInput
          label="Date of birth"
          type="date"
          value={birth}
          onChange={(e) => setBirth(e.currentTarget.value)}
        />
        <NativeSelect
          label="Gender"
          data={GENDERS}
          value={gender}
          onChange={(e) => setGender(e.currentTarget.value)}
        />
        <TextInput
          label="Email"
          description="Where an invitation to the console is sent"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
        <Textarea
          label="Note"
          description="Encrypted in this page: the server cannot read it"
          autosize
          minRows={2}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <ErrorAlert error={error} title="Could not save the patient" />
        <Group>
          <Button type="submit" loading={saving}>
            Save
          </Button>
          <Button component="a" href={cancel} variant="default">
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
