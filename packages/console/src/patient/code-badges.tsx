import { Badge, Group } from '@mantine/core'
import type { CodingReference } from '@cairn/sdk'

/**
 * The codes of a record (SNOMED CT, LOINC...) as badges "TYPE code", each with its version in its
 * accessible name; nothing when there are none.
 */
export function CodeBadges({ codes, label }: { codes?: Iterable<CodingReference>; label: string }) {
  const list = [...(codes ?? [])]
  if (list.length === 0) return null
  return (
    <Group gap={4} role="list" aria-label={label}>
      {list.map((c, i) => (
        <Badge
          key={c.id ?? i}
          role="listitem"
          variant="light"
          tt="none"
          title={c.version ? `${c.type} ${c.code}, version ${c.version}` : undefined}
        >
          {c.type} {c.code}
        </Badge>
      ))}
    </Group>
  )
}
