import { EncryptedPatient } from '@cairn/sdk'

/** What the console says instead of content this device holds no key for (never a blank). */
export const NOT_READABLE = 'Content not readable on this device'

/**
 * Whether the SDK could not open an entity's encrypted content on this device (key loss, or nobody
 * shared it with this data owner), which must not look like "empty": single gets of data samples,
 * healthcare elements and notifications mark it `systemMetaData.contentWithheld` (protocol v2,
 * docs/compatibility.md) and leave the encrypted fields undefined; `getPatientAndTryDecrypt` answers
 * an EncryptedPatient instead (MedTech's type for it).
 */
export function isWithheld(entity: unknown): boolean {
  if (entity instanceof EncryptedPatient) return true
  const meta = (entity as { systemMetaData?: { contentWithheld?: unknown } } | undefined)?.systemMetaData
  return meta?.contentWithheld === true
}
