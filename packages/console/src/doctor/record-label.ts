import type { DataSample, HealthcareElement } from '@cairn/sdk'
import { codeLabel } from '../ui/codes-text.tsx'
import { formatDate } from '../ui/format-date.ts'
import { NOT_READABLE, isWithheld } from '../ui/withheld.ts'
import { sampleContentText } from './sample-content.ts'

/** A data sample in one line, for choices and headings: date, codes and content. */
export function sampleLabel(s: DataSample): string {
  const codes = [...(s.codes ?? [])].map(codeLabel).join(', ')
  return [formatDate(s.valueDate ?? s.openingDate), codes, sampleContentText(s)].filter(Boolean).join(' · ')
}

/** A healthcare element in one line: description (or why it is not shown) and codes. */
export function elementLabel(he: HealthcareElement): string {
  const codes = [...(he.codes ?? [])].map(codeLabel).join(', ')
  const text = isWithheld(he) ? NOT_READABLE : (he.description ?? 'No description')
  return [text, codes].filter(Boolean).join(' · ')
}
