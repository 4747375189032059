import { useState, type FormEvent } from 'react'
import { Button, Group, Loader, Stack, Text, TextInput, Textarea, Title } from '@mantine/core'
import { HealthcareElement } from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { CodesEditor, codeDrafts, codingReferencesOf, type CodeDraft } from '../ui/codes-editor.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { dateInputOf, dateOf } from '../ui/format-date.ts'
import { useLoad } from '../ui/use-load.ts'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'
import { patientName } from './patient-name.ts'

/** Epoch ms of an `<input type="date">` value at local midnight; undefined if empty. */
function epochOf(input: string): number | undefined {
  return input ? new Date(`${input}T00:00`).getTime() : undefined
}

/**
 * Creates or edits a healthcare element of the patient (a diagnosis, a condition): its description
 * and note (encrypted in this page), its codes, and when it started and ended.
 */
export function HealthcareElementFormPage({
  patientId,
  elementId,
}: {
  patientId: string
  elementId?: string
}) {
  const { api } = useSession()
  const loaded = useLoad(async () => {
    const [patient, element] = await Promise.all([
      api.patientApi.getPatientAndTryDecrypt(patientId),
      elementId ? api.healthcareElementApi.getHealthcareElement(elementId) : Promise.resolve(undefined),
    ])
    return { patient, element }
  }, [api, patientId, elementId])
  if (loaded.error) return <ErrorAlert error={loaded.error} title="Could not open the healthcare element" />
  if (!loaded.data) return <Loader aria-label="Loading" />
  const { patient, element } = loaded.data
  if (element && isWithheld(element))
    return <ErrorAlert error={`${NOT_READABLE}: it cannot be edited here.`} title="Not editable" />
  return <ElementForm patientId={patientId} who={patientName(patient)} initial={element} />
}

function ElementForm({
  patientId,
  who,
  initial,
}: {
  patientId: string
  who: string
  initial?: HealthcareElement
}) {
  const { api } = useSession()
  const [description, setDescription] = useState(initial?.description ?? '')
  const [note, setNote] = useState(initial?.note ?? '')
  const [opening, setOpening] = useState(dateInputOf(initial?.openingDate ?? Date.now()))
  const [closing, setClosing] = useState(dateInputOf(initial?.closingDate))
  const [codes, setCodes] = useState<CodeDraft[]>(codeDrafts(initial?.codes))
  const [error, setError] = useState<unknown>()
  const [saving, setSaving] = useState(false)
  const back = `#/patients/${encodeURIComponent(patientId)}`

  const save = async (e: FormEvent) => {
    e.preventDefault()
    setError(undefined)
    setSaving(true)
    try {
      // An unchanged date keeps its stored shape (epoch ms or YYYYMMDD...), a changed one is epoch ms.
      const keep = (input: string, stored: number | undefined) =>
        stored !== undefined && dateInputOf(stored) === input && dateOf(stored) ? stored : epochOf(input)
      await api.healthcareElementApi.createOrModifyHealthcareElement(
        new HealthcareElement({
          ...(initial ?? {}),
          description: description || undefined,
          note: note || undefined,
          openingDate: keep(opening, initial?.openingDate),
          closingDate: keep(closing, initial?.closingDate),
          codes: codingReferencesOf(codes),
        }),
        patientId,
      )
      window.location.hash = back.slice(1)
    } catch (e) {
      setError(e)
      setSaving(false)
    }
  }

  return (
    <form onSubmit={(e) => void save(e)}>
      <Stack maw={640}>
        <Title order={2}>{initial ? 'Edit the healthcare element' : 'New healthcare element'}</Title>
        <Text>Patient: {who}</Text>
        <Textarea
          label="Description"
          description="Encrypted in this page"
          autosize
          required
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <Textarea label="Note" autosize value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        <Group grow wrap="wrap">
          <TextInput
            label="Since"
            type="date"
            value={opening}
            onChange={(e) => setOpening(e.currentTarget.value)}
          />
          <TextInput
            label="Until"
            type="date"
            value={closing}
            onChange={(e) => setClosing(e.currentTarget.value)}
          />
        </Group>
        <CodesEditor api={api} value={codes} onChange={setCodes} />
        <ErrorAlert error={error} title="Could not save the healthcare element" />
        <Group>
          <Button type="submit" loading={saving}>
            Save
          </Button>
          <Button component="a" href={back} variant="default">
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
