import type { Content, DataSample } from '@cairn/sdk'
import { formatDate } from './format-date.ts'

/** One content value as text: string, number, measure (with its unit), boolean or date. */
function valueOf(c: Content): string {
  if (c.stringValue !== undefined) return c.stringValue
  if (c.measureValue?.value !== undefined)
    return `${c.measureValue.value}${c.measureValue.unit ? ` ${c.measureValue.unit}` : ''}`
  if (c.numberValue !== undefined) return String(c.numberValue)
  if (c.booleanValue !== undefined) return c.booleanValue ? 'yes' : 'no'
  const date = formatDate(c.fuzzyDateValue ?? c.instantValue)
  if (date) return date
  if (c.compoundValue?.length) return `${c.compoundValue.length} grouped value(s)`
  if (c.timeSeries) return 'a time series'
  if (c.documentId || c.binaryValue) return 'a document'
  return '(empty)'
}

/**
 * What a data sample says, as text: its content in English when it has some, else in its first
 * language (labelled), else nothing. Withheld samples have no content: the caller shows them as such.
 */
export function contentText(sample: DataSample): string | undefined {
  const entries = Object.entries(sample.content ?? {})
  if (entries.length === 0) return undefined
  const en = sample.content.en
  if (en) return valueOf(en)
  const [language, content] = entries[0]
  return `${valueOf(content)} (${language})`
}
