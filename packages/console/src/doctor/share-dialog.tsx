import { useState, type FormEvent } from 'react'
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  Progress,
  Radio,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core'
import {
  HealthcareProfessionalFilter,
  type DataSample,
  type HealthcareElement,
  type HealthcareProfessional,
  type Patient,
  type SharingResult,
} from '@cairn/sdk'
import { useSession } from '../session/session-context.tsx'
import { ErrorAlert } from '../ui/error-alert.tsx'
import { isWithheld } from '../ui/withheld.ts'
import { patientName } from './patient-name.ts'
import { elementLabel, sampleLabel } from './record-label.ts'

type Target = 'colleague' | 'patient'

/** What a finished share reports. */
interface Outcome {
  text: string
  failures: string[]
}

/** A professional's name for choices. */
function hcpName(h: HealthcareProfessional): string {
  return [h.firstName, h.lastName].filter(Boolean).join(' ') || h.name || h.id || '?'
}

/** The failures a SharingResult reports (MedTech statuses: one per kind of entity). */
function failuresOf(result: SharingResult): string[] {
  return Object.entries(result.statuses).flatMap(([kind, s]) =>
    s && s.success === false ? [`${kind}: ${s.error?.message ?? 'failed'}`] : [],
  )
}

/**
 * Shares the patient's record, and the data samples and healthcare elements chosen, with a colleague
 * (found by name in the professionals' directory) or with the patient itself. "Everything" for the
 * patient is `giveAccessToAllDataOf`, whose progress drives the bar; otherwise each record is shared
 * in turn with `giveAccessTo`, and what "everything" leaves out then (records this device cannot open,
 * records beyond what the page loaded) is said before and after sharing. Keys are exchanged in this page: the server only stores the result.
 */
export function ShareDialog(props: {
  opened: boolean
  onClose: () => void
  patient: Patient
  samples: DataSample[]
  elements: HealthcareElement[]
  /** How many data samples and healthcare elements the patient has in all (the page loads at most 500). */
  totals: { samples: number; elements: number }
  onShared: () => void
}) {
  const { opened, onClose, patient, onShared } = props
  const { api, dataOwnerId } = useSession()
  const samples = props.samples.filter((s) => !isWithheld(s))
  const elements = props.elements.filter((e) => !isWithheld(e))
  // What "everything" cannot include when shared record by record (with a colleague): records this
  // device cannot open (no key to share), and those beyond what the page loaded.
  const leftOut = {
    withheld: props.samples.length - samples.length + (props.elements.length - elements.length),
    notLoaded:
      Math.max(0, props.totals.samples - props.samples.length) +
      Math.max(0, props.totals.elements - props.elements.length),
  }
  const leftOutText = [
    leftOut.withheld > 0 &&
      `${leftOut.withheld} record${leftOut.withheld === 1 ? '' : 's'} not readable on this device (this device holds no key to share them)`,
    leftOut.notLoaded > 0 &&
      `${leftOut.notLoaded} older record${leftOut.notLoaded === 1 ? '' : 's'} not loaded on the patient page`,
  ]
    .filter(Boolean)
    .join(' and ')
  const [target, setTarget] = useState<Target>('colleague')
  const [name, setName] = useState('')
  const [found, setFound] = useState<HealthcareProfessional[]>()
  const [colleague, setColleague] = useState('')
  const [everything, setEverything] = useState('all')
  const [chosen, setChosen] = useState<string[]>([])
  const [progress, setProgress] = useState<{ done: number; total: number }>()
  const [outcome, setOutcome] = useState<Outcome>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)

  const find = async (e: FormEvent) => {
    e.preventDefault()
    setError(undefined)
    try {
      const filter = await new HealthcareProfessionalFilter(api).byMatches(name.trim()).build()
      const page = await api.healthcareProfessionalApi.filterHealthcareProfessionalBy(filter, undefined, 20)
      setFound(page.rows.filter((h) => h.id !== dataOwnerId))
      setColleague('')
    } catch (e) {
      setError(e)
    }
  }

  const share = async () => {
    const delegate = target === 'patient' ? patient.id! : colleague
    setBusy(true)
    setError(undefined)
    setOutcome(undefined)
    try {
      if (target === 'patient' && everything === 'all') {
        setProgress({ done: 0, total: 1 })
        const result = await api.patientApi.giveAccessToAllDataOf(patient.id!, {
          onProgress: (p) => setProgress({ done: p.done, total: p.total }),
        })
        const modified = Object.values(result.statuses).reduce((n, s) => n + (s?.modified ?? 0), 0)
        setOutcome({
          text: `Shared everything with ${patientName(patient)} (${modified} record${modified === 1 ? '' : 's'} newly shared).`,
          failures: failuresOf(result),
        })
      } else {
        const picked = everything === 'all' ? [...samples, ...elements].map((r) => r.id!) : chosen
        const total = 1 + picked.length
        let done = 0
        const failures: string[] = []
        const step = async (what: string, run: () => Promise<unknown>) => {
          await run().catch((e: unknown) =>
            failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`),
          )
          setProgress({ done: ++done, total })
        }
        setProgress({ done, total })
        await step('the patient record', () => api.patientApi.giveAccessTo(patient, delegate))
        for (const s of samples.filter((s) => picked.includes(s.id!)))
          await step(sampleLabel(s), () => api.dataSampleApi.giveAccessTo(s, delegate))
        for (const he of elements.filter((h) => picked.includes(h.id!)))
          await step(elementLabel(he), () => api.healthcareElementApi.giveAccessTo(he, delegate))
        const who =
          target === 'patient' ? patientName(patient) : hcpName(found!.find((h) => h.id === colleague)!)
        const notShared = everything === 'all' && leftOutText ? ` Not shared: ${leftOutText}.` : ''
        setOutcome({
          text: `Shared ${total - failures.length} of ${total} records with ${who}.${notShared}`,
          failures,
        })
      }
      onShared()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  const ready = target === 'patient' || colleague !== ''
  return (
    <Modal opened={opened} onClose={onClose} title={`Share ${patientName(patient)}`} size="lg">
      <Stack>
        <div>
          <Text component="label" id="share-target" size="sm" fw={500}>
            Share with
          </Text>
          <SegmentedControl
            aria-labelledby="share-target"
            fullWidth
            value={target}
            onChange={(v) => setTarget(v)}
            data={[
              { value: 'colleague', label: 'A colleague' },
              { value: 'patient', label: 'The patient' },
            ]}
          />
        </div>
        {target === 'colleague' && (
          <form onSubmit={(e) => void find(e)}>
            <Group align="end" gap="xs" wrap="wrap">
              <TextInput
                label="Colleague's name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                style={{ flex: '1 1 180px' }}
              />
              <Button type="submit" variant="default">
                Find
              </Button>
            </Group>
          </form>
        )}
        {target === 'colleague' && found && (
          <Radio.Group label="Colleague" value={colleague} onChange={setColleague}>
            <Stack gap={4} mt={4}>
              {found.length === 0 && <Text size="sm">No professional with this name.</Text>}
              {found.map((h) => (
                <Radio key={h.id} value={h.id} label={hcpName(h)} />
              ))}
            </Stack>
          </Radio.Group>
        )}
        <Radio.Group label="What to share" value={everything} onChange={setEverything}>
          <Stack gap={4} mt={4}>
            <Radio value="all" label="The record and all its data samples and healthcare elements" />
            <Radio value="some" label="The record and the items chosen below" />
          </Stack>
        </Radio.Group>
        {target === 'colleague' && everything === 'all' && leftOutText && (
          <Alert color="yellow" title="Some records cannot be shared from here">
            Left out: {leftOutText}.
          </Alert>
        )}
        {everything === 'some' && (
          <Checkbox.Group label="Items" value={chosen} onChange={setChosen}>
            <Stack gap={4} mt={4}>
              {samples.length + elements.length === 0 && <Text size="sm">Nothing readable to choose.</Text>}
              {samples.map((s) => (
                <Checkbox key={s.id} value={s.id} label={`Data sample: ${sampleLabel(s)}`} />
              ))}
              {elements.map((he) => (
                <Checkbox key={he.id} value={he.id} label={`Healthcare element: ${elementLabel(he)}`} />
              ))}
            </Stack>
          </Checkbox.Group>
        )}
        {progress && (
          <Stack gap={4}>
            <Progress
              value={progress.total ? (100 * progress.done) / progress.total : 0}
              aria-label="Sharing progress"
              animated={busy}
            />
            <Text size="sm" role="status">
              {progress.done} of {progress.total} records handled
            </Text>
          </Stack>
        )}
        <ErrorAlert error={error} title="Could not share" />
        {outcome && (
          <Alert color={outcome.failures.length ? 'orange' : 'green'} role="status" title="Sharing done">
            {outcome.text}
            {outcome.failures.map((f) => (
              <Text key={f} size="sm">
                {f}
              </Text>
            ))}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={() => void share()} loading={busy} disabled={!ready}>
            Share
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
