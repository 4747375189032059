import type { HealthcareProfessional } from '@cairn/sdk'

/** A professional's name as lists show it: "Last, First", or its full name, or its id. */
export function professionalName(hcp: HealthcareProfessional): string {
  const parts = [hcp.lastName, hcp.firstName].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : (hcp.name ?? hcp.id ?? 'unnamed')
}

/**
 * Whether the professional published a public key: an invited professional has none until it
 * accepts its invitation and makes its key pair on its own device.
 */
export function hasKeys(hcp: HealthcareProfessional): boolean {
  const meta = hcp.systemMetaData
  return Boolean(meta?.publicKey) || (meta?.publicKeysForOaepWithSha256?.size ?? 0) > 0
}
