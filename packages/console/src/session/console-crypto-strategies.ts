import {
  MedTechCryptoStrategies,
  type DataOwnerWithType,
  type KeyPair,
  type KeyVerificationContext,
} from '@cairn/sdk'
import { KeysNotOnThisDevice } from './keys-not-on-this-device.ts'

/** A step of opening the keys, for the progress shown on screen. */
export type KeyStep = 'creating-key-pair' | 'publishing-key'

/** What the person chose for a data owner whose keys are published but not in this browser. */
export type LostKeyDecision = 'ask' | 'create-new-key'

/**
 * How many public keys a data owner publishes. The model keeps them in a Set
 * (`systemMetaData.publicKeysForOaepWithSha256`); an array or the single legacy `publicKey` counts too.
 */
function publishedKeyCount(self: DataOwnerWithType): number {
  const meta = (
    self.dataOwner as { systemMetaData?: { publicKeysForOaepWithSha256?: unknown; publicKey?: unknown } }
  ).systemMetaData
  const keys = meta?.publicKeysForOaepWithSha256
  const count = keys instanceof Set ? keys.size : Array.isArray(keys) ? keys.length : 0
  return count > 0 ? count : typeof meta?.publicKey === 'string' && meta.publicKey.length > 0 ? 1 : 0
}

/**
 * The console's key decisions (MedTechCryptoStrategies), which ask the person instead of deciding:
 *
 * - a data owner with no published key (first sign-in, an accepted invitation) gets a key pair made
 *   in this page; the SDK keeps it in IndexedDB as non-extractable keys, and this object keeps the
 *   exportable copy in memory only, for the recovery key offered right after (the SDK can export
 *   nothing else: that is the point of non-extractable keys), until {@link forgetGeneratedKeyPair};
 * - a data owner whose published keys are not in this browser is never given a new key silently:
 *   with `lostKey: 'ask'` the SDK's start stops with {@link KeysNotOnThisDevice}, and the screen asks
 *   whether to restore with the recovery key or to take the lost-key path, then signs in again with
 *   the answer (`'create-new-key'` once the person confirmed), which allows one new key pair only:
 *   the next one (a rebuild of the API with these strategies) is asked about again;
 * - other data owners' keys are trusted on first contact and pinned afterwards (protocol v2); a call
 *   without the SDK's context is never taken for a first contact;
 * - the new key of a data owner that lost its keys is accepted only through
 *   {@link ConsoleCryptoStrategies.whileConfirmed}: the person compared that key's full fingerprint
 *   (session/give-access-back.ts); `giveAccessBackTo` alone vouches for nothing.
 */
export class ConsoleCryptoStrategies implements MedTechCryptoStrategies {
  private generated?: KeyPair<string>
  /** The lost-key decision, spent by the one key pair it allows. */
  private lostKey: LostKeyDecision
  /** Fingerprints the person compared, by data owner, while their give-access-back call runs. */
  private readonly confirmed = new Map<string, Set<string>>()

  constructor(
    private readonly options: {
      lostKey: LostKeyDecision
      /** Told when a long step starts (RSA key generation takes seconds in a browser). */
      onStep?: (step: KeyStep) => void
    },
  ) {
    this.lostKey = options.lostKey
  }

  /** The pair made in this session, for `cryptoApi.createRecoveryKey()` (the SDK reads this getter). */
  get generatedKeyPair(): KeyPair<string> | undefined {
    return this.generated ? { ...this.generated } : undefined
  }

  /** Whether a key pair was made in this page during this sign-in. */
  get madeKeyPair(): boolean {
    return this.generated !== undefined
  }

  /** Drops the in-memory copy of the new pair once the recovery key is made or declined. */
  forgetGeneratedKeyPair(): void {
    this.generated = undefined
  }

  /**
   * Nothing to recover from elsewhere (the recovery key is given to the builder, which restores before
   * asking): keys that are not here stay missing, and nothing is remembered about them yet.
   */
  recoverAndVerifyKeys(
    _self: DataOwnerWithType,
    _missingKeys: string[],
    unverifiedKeys: string[],
  ): Promise<{
    recoveredKeyPairs: KeyPair<string>[]
    verifiedKeys: { [publicKey: string]: MedTechCryptoStrategies.KeyVerificationBehaviour }
  }> {
    const verifiedKeys: { [publicKey: string]: MedTechCryptoStrategies.KeyVerificationBehaviour } = {}
    for (const key of unverifiedKeys)
      verifiedKeys[key] = MedTechCryptoStrategies.KeyVerificationBehaviour.TEMPORARILY_UNVERIFIED
    return Promise.resolve({ recoveredKeyPairs: [], verifiedKeys })
  }

  /**
   * A first key pair always; a new one over published keys only once the person chose it, and once:
   * the decision is spent by the pair it allows (back to asking).
   */
  allowNewKeyPairGeneration(self: DataOwnerWithType): Promise<boolean> {
    const published = publishedKeyCount(self)
    if (published > 0 && this.lostKey !== 'create-new-key')
      return Promise.reject(new KeysNotOnThisDevice(self.dataOwner.id ?? '', published))
    if (published > 0) this.lostKey = 'ask'
    this.options.onStep?.('creating-key-pair')
    return Promise.resolve(true)
  }

  /** Keeps the new pair in memory for the recovery key offer. */
  notifyKeyPairGeneration(keyPair: KeyPair<string>): Promise<void> {
    this.generated = { ...keyPair }
    this.options.onStep?.('publishing-key')
    return Promise.resolve()
  }

  /**
   * Runs `action` (a `giveAccessBackTo` call) with `fingerprint` of `ownerId` confirmed: the person
   * compared it in full. The confirmation lasts as long as the action only. Used by
   * `giveAccessBackConfirmed` (session/give-access-back.ts), which checks the key against it first.
   */
  async whileConfirmed<T>(ownerId: string, fingerprint: string, action: () => Promise<T>): Promise<T> {
    const fingerprints = this.confirmed.get(ownerId) ?? new Set<string>()
    this.confirmed.set(ownerId, fingerprints)
    const fp = fingerprint.toLowerCase()
    fingerprints.add(fp)
    try {
      return await action()
    } finally {
      fingerprints.delete(fp)
      if (fingerprints.size === 0) this.confirmed.delete(ownerId)
    }
  }

  /**
   * Trust on first use (the SDK says so: its context names no pinned key), then pinning. A key asked
   * about for giving access back is trusted only if the person confirmed its fingerprint
   * ({@link whileConfirmed}). No context: nothing is known, so nothing is trusted.
   */
  verifyDelegatePublicKeys(
    delegateId: string,
    publicKeys: string[],
    _cryptoPrimitives?: unknown,
    context?: KeyVerificationContext,
  ): Promise<string[]> {
    if (!context) return Promise.resolve([])
    if (context.giveAccessBack) {
      const confirmed = this.confirmed.get(delegateId)
      return Promise.resolve(
        publicKeys.filter((_, i) => confirmed?.has((context.fingerprints[i] ?? '').toLowerCase()) ?? false),
      )
    }
    return Promise.resolve(context.pinnedFingerprints.length === 0 ? publicKeys : [])
  }
}
