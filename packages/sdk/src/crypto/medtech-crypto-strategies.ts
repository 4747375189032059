import type { DataOwnerWithType } from '../models/index.ts'

/** A key pair as hex strings: `privateKey` is PKCS#8, `publicKey` is SPKI. */
export interface KeyPair<T> {
  privateKey: T
  publicKey: T
}

/**
 * Decisions the app makes about keys (MedTech contract, §6.1): recover or verify the data owner's
 * own keys at start, allow generating a new key pair, learn about a generated pair, and verify the
 * public keys of a delegate before the first share with it.
 */
export interface MedTechCryptoStrategies {
  recoverAndVerifyKeys(
    self: DataOwnerWithType,
    missingKeys: string[],
    unverifiedKeys: string[],
  ): Promise<{
    recoveredKeyPairs: KeyPair<string>[]
    verifiedKeys: { [publicKey: string]: MedTechCryptoStrategies.KeyVerificationBehaviour }
  }>
  allowNewKeyPairGeneration(self: DataOwnerWithType): Promise<boolean>
  notifyKeyPairGeneration(keyPair: KeyPair<string>): Promise<void>
  /**
   * Which of `publicKeys` (hex SPKI) of another data owner to trust. The SDK asks only about keys it
   * cannot verify itself (protocol v2 key pinning): on first contact every published key
   * (`context.pinnedFingerprints` is empty), afterwards only keys that are neither pinned nor signed by
   * a pinned key (a changed or added key). Return the keys to trust; the others are refused.
   */
  verifyDelegatePublicKeys(
    delegateId: string,
    publicKeys: string[],
    cryptoPrimitives: unknown,
    context?: KeyVerificationContext,
  ): Promise<string[]>
}

/** What the SDK tells `verifyDelegatePublicKeys` besides the keys. */
export interface KeyVerificationContext {
  /** Fingerprints already pinned for this data owner (empty on first contact). */
  pinnedFingerprints: string[]
  /** Fingerprints of the keys asked about, in the same order. */
  fingerprints: string[]
  /**
   * True when the app called `dataOwnerApi.giveAccessBackTo` with this key (the lost-key flow): the
   * caller vouches for the key, and a strategy that verifies keys out of band (e.g. a fingerprint the
   * data owner read to the user) decides here whether the new key is genuine.
   */
  giveAccessBack?: boolean
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace MedTechCryptoStrategies {
  /** What to remember about an own public key whose private key is not on this device. */
  export enum KeyVerificationBehaviour {
    MARK_VERIFIED = 'MARK_VERIFIED',
    MARK_UNVERIFIED = 'MARK_UNVERIFIED',
    TEMPORARILY_UNVERIFIED = 'TEMPORARILY_UNVERIFIED',
  }
}
