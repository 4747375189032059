import type { MedTechApi } from '@cairn/sdk'
import { ConsoleCryptoStrategies } from './console-crypto-strategies.ts'
import { ConsoleError } from './console-error.ts'
import { keyFingerprint } from './key-fingerprint.ts'

/**
 * Gives `ownerId`'s new key access back (`dataOwnerApi.giveAccessBackTo`) after the person confirmed
 * that key: `comparedFingerprint` is the full fingerprint they were shown and compared with the data
 * owner (keyFingerprint, groupFingerprint). The console's crypto strategies trust a new key for giving
 * access back only within this call, and only that fingerprint; a fingerprint that is not the key's
 * (the key changed since it was shown) is refused before anything is shared.
 */
export async function giveAccessBackConfirmed(
  api: MedTechApi,
  ownerId: string,
  publicKey: string,
  comparedFingerprint: string,
): Promise<void> {
  const strategies = api.cryptoStrategies
  if (!(strategies instanceof ConsoleCryptoStrategies))
    throw new ConsoleError('This session cannot confirm keys: sign in again.')
  const fingerprint = await keyFingerprint(api, ownerId, publicKey)
  const compared = comparedFingerprint.replace(/\s+/g, '').toLowerCase()
  if (compared !== fingerprint.toLowerCase())
    throw new ConsoleError('The key of this request is not the one whose fingerprint you compared.')
  await strategies.whileConfirmed(ownerId, fingerprint, () =>
    api.dataOwnerApi.giveAccessBackTo(ownerId, publicKey),
  )
}
