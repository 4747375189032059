import { useState } from 'react'
import { Button, CloseButton, Fieldset, Group, Stack, Text, TextInput } from '@mantine/core'
import { CodingFilter, CodingReference, type Coding, type MedTechApi } from '@cairn/sdk'
import { messageOf } from '../session/console-error.ts'
import { codeLabel } from './codes-text.tsx'

/** One code being edited: free text until saved. */
export interface CodeDraft {
  type: string
  code: string
  version: string
}

/** Drafts of a record's codes, for {@link CodesEditor}. */
export function codeDrafts(codes: Iterable<CodingReference> | undefined): CodeDraft[] {
  return [...(codes ?? [])].map((c) => ({ type: c.type ?? '', code: c.code ?? '', version: c.version ?? '' }))
}

/**
 * The CodingReferences of drafts: empty rows are dropped; the id is `type|code|version` as codings'
 * ids are (docs/codings.md), so that a reference names the coding it points at. A code without its
 * system is refused: the server could not index it (a code means nothing outside its code system).
 */
export function codingReferencesOf(drafts: CodeDraft[]): Set<CodingReference> {
  const out = new Set<CodingReference>()
  for (const d of drafts) {
    const type = d.type.trim()
    const code = d.code.trim()
    const version = d.version.trim()
    if (!type && !code) continue
    if (!type || !code) throw new Error('Each code needs both its code system (e.g. LOINC) and its code.')
    out.add(
      new CodingReference({
        id: [type, code, version].filter(Boolean).join('|'),
        type,
        code,
        ...(version ? { version } : {}),
      }),
    )
  }
  return out
}

/**
 * Edits a list of codes, each as a code system (type) and a code, with an optional version. When the
 * server has codings loaded (`cairn codes import`), "Look up" searches them by label and adds the one
 * chosen; without codings, codes are typed by hand.
 */
export function CodesEditor(props: {
  api: MedTechApi
  value: CodeDraft[]
  onChange: (drafts: CodeDraft[]) => void
  legend?: string
}) {
  const { api, value, onChange, legend = 'Codes' } = props
  const [lookupType, setLookupType] = useState('')
  const [lookupLabel, setLookupLabel] = useState('')
  const [found, setFound] = useState<Coding[]>()
  const [lookupError, setLookupError] = useState<string>()
  const [searching, setSearching] = useState(false)

  const set = (i: number, patch: Partial<CodeDraft>) =>
    onChange(value.map((d, j) => (j === i ? { ...d, ...patch } : d)))

  const lookUp = async () => {
    setSearching(true)
    setLookupError(undefined)
    try {
      const filter = await new CodingFilter(api)
        .byRegionLanguageTypeLabel(undefined, undefined, lookupType.trim() || undefined, lookupLabel.trim())
        .build()
      setFound((await api.codingApi.filterCoding(filter, undefined, 10)).rows)
    } catch (e) {
      setLookupError(messageOf(e))
    } finally {
      setSearching(false)
    }
  }

  return (
    <Fieldset legend={legend}>
      <Stack gap="xs">
        {value.length === 0 && (
          <Text size="sm" c="dimmed">
            No code yet.
          </Text>
        )}
        {value.map((d, i) => (
          <Group key={i} align="end" gap="xs" wrap="wrap">
            <TextInput
              label={`Code system ${i + 1}`}
              placeholder="LOINC"
              value={d.type}
              onChange={(e) => set(i, { type: e.currentTarget.value })}
              w={130}
            />
            <TextInput
              label={`Code ${i + 1}`}
              placeholder="8867-4"
              value={d.code}
              onChange={(e) => set(i, { code: e.currentTarget.value })}
              w={130}
            />
            <TextInput
              label={`Version ${i + 1}`}
              placeholder="optional"
              value={d.version}
              onChange={(e) => set(i, { version: e.currentTarget.value })}
              w={110}
            />
            <CloseButton
              aria-label={`Remove code ${i + 1}`}
              onClick={() => onChange(value.filter((_, j) => j !== i))}
              mb={4}
            />
          </Group>
        ))}
        <Group>
          <Button
            variant="light"
            size="xs"
            onClick={() => onChange([...value, { type: '', code: '', version: '' }])}
          >
            Add a code
          </Button>
        </Group>
        <Group align="end" gap="xs" wrap="wrap">
          <TextInput
            label="Look up: code system"
            placeholder="any"
            value={lookupType}
            onChange={(e) => setLookupType(e.currentTarget.value)}
            w={130}
          />
          <TextInput
            label="Look up: label words"
            placeholder="heart rate"
            value={lookupLabel}
            onChange={(e) => setLookupLabel(e.currentTarget.value)}
            w={180}
          />
          <Button
            variant="default"
            size="sm"
            onClick={() => void lookUp()}
            loading={searching}
            disabled={!lookupLabel.trim()}
          >
            Look up
          </Button>
        </Group>
        {lookupError && (
          <Text role="alert" c="red" size="sm">
            {lookupError}
          </Text>
        )}
        {found && found.length === 0 && (
          <Text size="sm" role="status">
            No coding on this server matches; type the code instead.
          </Text>
        )}
        {found && found.length > 0 && (
          <Stack gap={4} role="list" aria-label="Codings found">
            {found.map((c) => (
              <Group key={c.id} role="listitem" gap="xs">
                <Button
                  size="compact-sm"
                  variant="subtle"
                  onClick={() =>
                    onChange([...value, { type: c.type ?? '', code: c.code ?? '', version: c.version ?? '' }])
                  }
                >
                  Add {codeLabel(new CodingReference({ type: c.type, code: c.code }))}
                </Button>
                <Text size="sm">{c.description?.en ?? Object.values(c.description ?? {})[0] ?? ''}</Text>
              </Group>
            ))}
          </Stack>
        )}
      </Stack>
    </Fieldset>
  )
}
