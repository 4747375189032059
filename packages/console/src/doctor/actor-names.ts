import type { MedTechApi } from '@cairn/sdk'
import { patientName } from './patient-name.ts'

/**
 * Names of the data owners an access log mentions: "You" for the reader, the professional's name
 * from the directory (every user may read it), else the patient's name when this doctor can read
 * that record, else the id itself. Looked up once per id.
 */
export async function actorNames(
  api: MedTechApi,
  selfId: string | undefined,
  ids: Iterable<string>,
): Promise<Map<string, string>> {
  const names = new Map<string, string>()
  await Promise.all(
    [...new Set(ids)].map(async (id) => {
      if (id === selfId) return names.set(id, 'You')
      const hcp = await api.healthcareProfessionalApi.getHealthcareProfessional(id).catch(() => undefined)
      if (hcp) {
        const name = [hcp.firstName, hcp.lastName].filter(Boolean).join(' ') || hcp.name
        return names.set(id, name ? `${name} (professional)` : id)
      }
      const patient = await api.patientApi.getPatientAndTryDecrypt(id).catch(() => undefined)
      return names.set(id, patient ? `${patientName(patient)} (patient)` : id)
    }),
  )
  return names
}
