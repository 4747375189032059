import type { PotentiallyEncryptedPatient } from '@cairn/sdk'

/** A patient as lists and titles name it: "Last First", else its alias, else "Unnamed patient". */
export function patientName(p: PotentiallyEncryptedPatient | undefined): string {
  const name = [p?.lastName, p?.firstName].filter(Boolean).join(' ')
  return name || p?.alias || 'Unnamed patient'
}
