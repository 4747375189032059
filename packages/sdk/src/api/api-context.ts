import type { HttpClient } from '../http/http-client.ts'
import type { EntityCrypto } from '../crypto/entity-crypto.ts'
import type { ExchangeKeyManager } from '../crypto/exchange-key-manager.ts'
import type { DataOwnerKeys } from '../crypto/data-owner-keys.ts'
import type { KeyTrust } from '../crypto/key-trust.ts'
import type { KeyPairHandle } from '@cairn/crypto'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import type { User } from '../models/index.ts'
import type { IntegrityFailureHandler } from '../crypto/integrity-report.ts'
import { SdkError } from '../http/sdk-error.ts'

/** What every API object of one MedTechApi instance shares. */
export interface ApiContext {
  readonly http: HttpClient
  /** The logged-in user as last seen (kept current by userApi). */
  user: User
  /** The data owner the user acts as; undefined for users that are not data owners. */
  readonly selfId?: string
  /** Present when the user is a data owner with keys. */
  readonly crypto?: EntityCrypto
  readonly exchangeKeys?: ExchangeKeyManager
  readonly dataOwnerKeys: DataOwnerKeys
  /** Pinned and verified public keys of data owners (present with `crypto`). */
  readonly keyTrust?: KeyTrust
  /**
   * The data owner's key pairs on this device (present with `crypto`). The same array is shared with
   * the exchange-key manager and key trust: a rotation appends the new pair to it.
   */
  readonly ownKeys?: KeyPairHandle[]
  /** Where the key pairs and small local state are kept (present with `crypto`). */
  readonly keyStorage?: KeyStorageFacade
  readonly storage?: StorageFacade<string>
  /** Where lists report the entities they leave out (builder `withIntegrityFailureHandler`). */
  readonly reportIntegrity: IntegrityFailureHandler
}

/** The data owner id, or the MedTech error for users that are none. */
export function requireSelf(ctx: ApiContext): { selfId: string; crypto: EntityCrypto } {
  if (!ctx.selfId || !ctx.crypto) {
    throw new SdkError(
      'FORBIDDEN',
      'The current user is not a data owner. You must be either a patient, a device or a healthcare professional to call this method.',
    )
  }
  return { selfId: ctx.selfId, crypto: ctx.crypto }
}
