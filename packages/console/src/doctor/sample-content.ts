import type { DataSample } from '@cairn/sdk'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'

/**
 * A data sample's content as one line of text: its English (else first) content's text, number,
 * measure with unit, or boolean. Withheld content says so instead of showing nothing.
 */
export function sampleContentText(sample: DataSample): string {
  if (isWithheld(sample)) return NOT_READABLE
  const content = sample.content?.en ?? Object.values(sample.content ?? {})[0]
  if (!content) return '—'
  if (content.measureValue?.value !== undefined)
    return [content.measureValue.value, content.measureValue.unit].filter((x) => x !== undefined).join(' ')
  if (content.stringValue !== undefined) return content.stringValue
  if (content.numberValue !== undefined) return String(content.numberValue)
  if (content.booleanValue !== undefined) return content.booleanValue ? 'yes' : 'no'
  return '—'
}
