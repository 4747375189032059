import type { DataOwnerWithType } from '../models/index.ts'
import {
  MedTechCryptoStrategies,
  type KeyPair,
  type KeyVerificationContext,
} from './medtech-crypto-strategies.ts'
import { SdkError } from '../http/sdk-error.ts'

/**
 * The default strategies: the given key pairs (hex PKCS#8 / hex SPKI) are the data owner's (the SDK
 * refuses a pair that is invalid or not the data owner's); a data owner without a usable key gets a
 * new one, as MedTech does (with a warning when keys were published: the lost-key path); another data
 * owner's keys are trusted on first contact and pinned, and a key added later is refused unless a
 * pinned key signed it or the app accepts it (`dataOwnerApi.giveAccessBackTo`): protocol v2 pinning.
 */
export class SimpleMedTechCryptoStrategies implements MedTechCryptoStrategies {
  private generated?: KeyPair<string>

  constructor(private readonly availableKeys: KeyPair<string>[] = []) {}

  /** The key pairs given to the constructor (used by the SDK at start, MedTech quirk 15 fixed). */
  get keyPairs(): KeyPair<string>[] {
    return this.availableKeys.map((k) => ({ ...k }))
  }

  /** Copy of the pair generated at start, if one was. */
  get generatedKeyPair(): KeyPair<string> | undefined {
    return this.generated ? { ...this.generated } : undefined
  }

  /** Recovers the given pairs that are missing; marks the given public keys verified, others temporarily unverified. */
  recoverAndVerifyKeys(
    _self: DataOwnerWithType,
    missingKeys: string[],
    unverifiedKeys: string[],
  ): Promise<{
    recoveredKeyPairs: KeyPair<string>[]
    verifiedKeys: { [publicKey: string]: MedTechCryptoStrategies.KeyVerificationBehaviour }
  }> {
    const recoveredKeyPairs = this.availableKeys.filter((k) => missingKeys.includes(k.publicKey))
    const recovered = new Set(recoveredKeyPairs.map((k) => k.publicKey))
    const given = new Set(this.availableKeys.map((k) => k.publicKey))
    const verifiedKeys: { [publicKey: string]: MedTechCryptoStrategies.KeyVerificationBehaviour } = {}
    for (const key of unverifiedKeys) {
      if (recovered.has(key)) continue
      verifiedKeys[key] = given.has(key)
        ? MedTechCryptoStrategies.KeyVerificationBehaviour.MARK_VERIFIED
        : MedTechCryptoStrategies.KeyVerificationBehaviour.TEMPORARILY_UNVERIFIED
    }
    return Promise.resolve({ recoveredKeyPairs, verifiedKeys })
  }

  /** Always allows a new key pair. */
  allowNewKeyPairGeneration(): Promise<boolean> {
    return Promise.resolve(true)
  }

  /** Keeps the generated pair (readable through `generatedKeyPair`). */
  notifyKeyPairGeneration(keyPair: KeyPair<string>): Promise<void> {
    if (this.generated)
      return Promise.reject(new SdkError('BAD_REQUEST', 'A new key pair was already created'))
    this.generated = { ...keyPair }
    return Promise.resolve()
  }

  /**
   * Trust on first use: on first contact (nothing pinned yet) every published key is trusted; after
   * that, a key the SDK could not verify through a pinned key is refused, except the key an app passes
   * to `giveAccessBackTo` (MedTech: its caller trusts the key).
   */
  verifyDelegatePublicKeys(
    _delegateId: string,
    publicKeys: string[],
    _cryptoPrimitives?: unknown,
    context?: KeyVerificationContext,
  ): Promise<string[]> {
    return Promise.resolve(
      (context?.pinnedFingerprints.length ?? 0) === 0 || context?.giveAccessBack ? publicKeys : [],
    )
  }
}
