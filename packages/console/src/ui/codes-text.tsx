import { Badge, Group, Text } from '@mantine/core'
import type { CodingReference } from '@cairn/sdk'

/** A code as people read it: "LOINC 8867-4" (system, then code). */
export function codeLabel(c: CodingReference): string {
  return [c.type, c.code].filter(Boolean).join(' ') || c.id || '?'
}

/**
 * The codes of a record as badges (system and code; the version in the tooltip), or "no code". A
 * list, so that screen readers count them.
 */
export function CodesText({ codes }: { codes: Iterable<CodingReference> | undefined }) {
  const list = [...(codes ?? [])]
  if (list.length === 0)
    return (
      <Text size="sm" c="dimmed">
        no code
      </Text>
    )
  return (
    <Group component="ul" gap={4} p={0} m={0} style={{ listStyle: 'none' }}>
      {list.map((c) => (
        <li key={c.id ?? codeLabel(c)}>
          <Badge variant="light" tt="none" title={c.version ? `version ${c.version}` : undefined}>
            {codeLabel(c)}
          </Badge>
        </li>
      ))}
    </Group>
  )
}
