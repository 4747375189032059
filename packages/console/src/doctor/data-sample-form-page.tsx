import { useState, type FormEvent } from 'react'
import {
  Button,
  Checkbox,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core'
import { Content, DataSample, Measure, type HealthcareElement } from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { CodesEditor, codeDrafts, codingReferencesOf, type CodeDraft } from '../ui/codes-editor.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { dateTimeInputOf, dateTimeOf, nowDateTime } from '../ui/format-date.ts'
import { useLoad } from '../ui/use-load.ts'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'
import { loadHealthcareElements } from './patient-records.ts'
import { patientName } from './patient-name.ts'

/** Common measurements of a visit, each with its LOINC code and unit, to fill the form in one click. */
const PRESETS: { label: string; code: string; unit: string }[] = [
  { label: 'Heart rate', code: '8867-4', unit: '/min' },
  { label: 'Body weight', code: '29463-7', unit: 'kg' },
  { label: 'Body temperature', code: '8310-5', unit: 'Cel' },
]

/**
 * Records a visit (a new data sample of the patient) or edits a data sample: when, what (a text or a
 * measurement with its unit), a comment, its codes and the healthcare elements it belongs to. The
 * content and comment are encrypted in this page; the date and codes stay in clear for searches.
 */
export function DataSampleFormPage({ patientId, sampleId }: { patientId: string; sampleId?: string }) {
  const { api } = useSession()
  const loaded = useLoad(async () => {
    const patient = await api.patientApi.getPatientAndTryDecrypt(patientId)
    const [sample, elements] = await Promise.all([
      sampleId ? api.dataSampleApi.getDataSample(sampleId) : Promise.resolve(undefined),
      loadHealthcareElements(api, patient),
    ])
    return { patient, sample, elements: elements.rows }
  }, [api, patientId, sampleId])
  if (loaded.error) return <ErrorAlert error={loaded.error} title="Could not open the data sample" />
  if (!loaded.data) return <Loader aria-label="Loading" />
  const { patient, sample, elements } = loaded.data
  if (sample && isWithheld(sample))
    return (
      <ErrorAlert error={`${NOT_READABLE}: this data sample cannot be edited here.`} title="Not editable" />
    )
  return <SampleForm patientId={patientId} who={patientName(patient)} initial={sample} elements={elements} />
}

function SampleForm(props: {
  patientId: string
  who: string
  initial?: DataSample
  elements: HealthcareElement[]
}) {
  const { patientId, who, initial, elements } = props
  const { api } = useSession()
  const content = initial?.content?.en ?? Object.values(initial?.content ?? {})[0]
  const [kind, setKind] = useState(content?.measureValue ? 'measure' : 'text')
  const [when, setWhen] = useState(dateTimeInputOf(initial?.valueDate ?? nowDateTime()))
  const [text, setText] = useState(content?.stringValue ?? '')
  const [value, setValue] = useState(content?.measureValue?.value?.toString() ?? '')
  const [unit, setUnit] = useState(content?.measureValue?.unit ?? '')
  const [comment, setComment] = useState(initial?.comment ?? '')
  const [codes, setCodes] = useState<CodeDraft[]>(codeDrafts(initial?.codes))
  const [linked, setLinked] = useState<string[]>([...(initial?.healthcareElementIds ?? [])])
  const [error, setError] = useState<unknown>()
  const [saving, setSaving] = useState(false)
  const back = `#/patients/${encodeURIComponent(patientId)}`

  const preset = (p: (typeof PRESETS)[number]) => {
    setKind('measure')
    setUnit(p.unit)
    setCodes([{ type: 'LOINC', code: p.code, version: '' }])
  }

  const save = async (e: FormEvent) => {
    e.preventDefault()
    setError(undefined)
    try {
      const number = Number(value.replace(',', '.'))
      if (kind === 'measure' && (value.trim() === '' || !Number.isFinite(number)))
        throw new Error('The measurement needs a number.')
      setSaving(true)
      await api.dataSampleApi.createOrModifyDataSampleFor(
        patientId,
        new DataSample({
          ...(initial ?? {}),
          valueDate: dateTimeOf(when) ?? nowDateTime(),
          content: {
            en:
              kind === 'measure'
                ? new Content({
                    measureValue: new Measure({ value: number, unit: unit.trim() || undefined }),
                  })
                : new Content({ stringValue: text }),
          },
          comment: comment || undefined,
          codes: codingReferencesOf(codes),
          healthcareElementIds: new Set(linked),
        }),
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
        <Title order={2}>{initial ? 'Edit the data sample' : 'Record a visit'}</Title>
        <Text>Patient: {who}</Text>
        {!initial && (
          <Group gap="xs" wrap="wrap" role="group" aria-label="Common measurements">
            {PRESETS.map((p) => (
              <Button key={p.code} size="xs" variant="light" onClick={() => preset(p)}>
                {p.label}
              </Button>
            ))}
          </Group>
        )}
        <TextInput
          label="Date and time"
          type="datetime-local"
          required
          value={when}
          onChange={(e) => setWhen(e.currentTarget.value)}
        />
        <div>
          <Text component="label" id="sample-kind" size="sm" fw={500}>
            Kind of content
          </Text>
          <SegmentedControl
            aria-labelledby="sample-kind"
            fullWidth
            value={kind}
            onChange={setKind}
            data={[
              { value: 'text', label: 'Text' },
              { value: 'measure', label: 'Measurement' },
            ]}
          />
        </div>
        {kind === 'text' ? (
          <Textarea
            label="Content"
            description="Encrypted in this page"
            autosize
            minRows={2}
            required
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
          />
        ) : (
          <Group grow wrap="wrap">
            <TextInput
              label="Value"
              inputMode="decimal"
              required
              value={value}
              onChange={(e) => setValue(e.currentTarget.value)}
            />
            <TextInput label="Unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)} />
          </Group>
        )}
        <Textarea
          label="Comment"
          description="Encrypted in this page"
          autosize
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
        />
        <CodesEditor api={api} value={codes} onChange={setCodes} />
        {elements.length > 0 && (
          <Checkbox.Group label="Healthcare elements it belongs to" value={linked} onChange={setLinked}>
            <Stack gap={4} mt={4}>
              {elements.map((he) => (
                <Checkbox
                  key={he.id}
                  value={he.id}
                  label={isWithheld(he) ? NOT_READABLE : (he.description ?? he.id)}
                />
              ))}
            </Stack>
          </Checkbox.Group>
        )}
        <ErrorAlert error={error} title="Could not save the data sample" />
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
