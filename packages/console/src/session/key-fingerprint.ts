import type { MedTechApi } from '@cairn/sdk'
import { ConsoleError } from './console-error.ts'

/**
 * The fingerprint of a public key that `ownerId` publishes, in full (32 hex digits), as the SDK
 * computes it (`dataOwnerApi.getFingerprints`): what the person compares with the data owner before
 * giving a new key access back. Rejects when the data owner does not publish that key.
 */
export async function keyFingerprint(api: MedTechApi, ownerId: string, publicKey: string): Promise<string> {
  const wanted = publicKey.toLowerCase()
  const found = (await api.dataOwnerApi.getFingerprints(ownerId)).find(
    (k) => k.publicKey.toLowerCase() === wanted,
  )
  if (!found) throw new ConsoleError('This data owner does not publish the key of this request.')
  return found.fingerprint
}

/**
 * A fingerprint in groups of four characters (`3f9a 0c21 …`), easier to read aloud and compare; the
 * whole fingerprint, never a shortened one.
 */
export function groupFingerprint(fingerprint: string): string {
  return (fingerprint.toLowerCase().match(/.{1,4}/g) ?? []).join(' ')
}
