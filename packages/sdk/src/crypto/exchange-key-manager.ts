import {
  CryptoError,
  createExchangeKey,
  openExchangeKey,
  type AesKey,
  type KeyPairHandle,
  type PublicKeyHandle,
} from '@cairn/crypto'
import { ROUTES } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import type { DataOwnerKeys } from './data-owner-keys.ts'
import type { MedTechCryptoStrategies } from './medtech-crypto-strategies.ts'
import { SdkError } from '../http/sdk-error.ts'

/**
 * Exchange keys of the current data owner (docs/protocol.md): K(self->D) to share with D, created on first
 * contact (RSA for both parties' keys plus one signature), and K(O->self) to read what O shared.
 * Decrypted keys are cached per pair, so after the first contact a share or a read costs no RSA
 * operation. Only records whose signature verifies with the delegator's public key are used.
 */
export class ExchangeKeyManager {
  private readonly outgoing = new Map<string, Promise<AesKey>>()
  private readonly incoming = new Map<string, Promise<AesKey[]>>()
  private readonly accepted = new Map<string, Promise<PublicKeyHandle[]>>()
  /** Records refused because they could not be opened or verified (reported, never used). */
  readonly refused: { id: string; delegator: string; reason: string }[] = []

  constructor(
    private readonly http: HttpClient,
    private readonly selfId: string,
    private readonly ownKeys: KeyPairHandle[],
    private readonly dataOwnerKeys: DataOwnerKeys,
    private readonly strategies: MedTechCryptoStrategies,
  ) {}

  /** K(self -> delegate): an existing verified one, or a new one created and stored now. */
  keyTo(delegate: string): Promise<AesKey> {
    let found = this.outgoing.get(delegate)
    if (!found) {
      found = this.findOrCreate(delegate)
      found.catch(() => this.outgoing.delete(delegate))
      this.outgoing.set(delegate, found)
    }
    return found
  }

  /** Every verified K(delegator -> self) this data owner can open; `refresh` bypasses the cache. */
  keysFrom(delegator: string, refresh = false): Promise<AesKey[]> {
    let found = refresh ? undefined : this.incoming.get(delegator)
    if (!found) {
      found = this.openAll(delegator)
      found.catch(() => this.incoming.delete(delegator))
      this.incoming.set(delegator, found)
    }
    return found
  }

  /** Forgets every cached key (after someone shared new keys with us, or a key change). */
  clear(): void {
    this.outgoing.clear()
    this.incoming.clear()
    this.accepted.clear()
  }

  private async findOrCreate(delegate: string): Promise<AesKey> {
    const existing = await this.keysFromRecords(this.selfId, delegate, this.ownPublic())
    if (existing.length > 0) return existing[existing.length - 1]
    const delegateKeys = delegate === this.selfId ? [] : await this.verifiedKeysOf(delegate)
    const { record, key } = await createExchangeKey({
      delegatorId: this.selfId,
      delegateId: delegate,
      signer: this.ownKeys[0],
      recipients: [...this.ownPublic(), ...delegateKeys],
    })
    await this.http.call(ROUTES.createExchangeKey, {
      body: { id: globalThis.crypto.randomUUID(), ...record },
    })
    // The self pair is also read with: remember the new key instead of reopening it with RSA later.
    if (delegate === this.selfId) this.incoming.set(this.selfId, Promise.resolve([key]))
    return key
  }

  /**
   * Incoming keys are verified with the delegator's public keys that the crypto strategies accept
   * (as for outgoing keys): with a strict strategy, a key the server invents and publishes for the
   * delegator cannot sign an exchange key the client would use.
   */
  private async openAll(delegator: string): Promise<AesKey[]> {
    const delegatorKeys = delegator === this.selfId ? this.ownPublic() : await this.acceptedKeysOf(delegator)
    return this.keysFromRecords(delegator, this.selfId, delegatorKeys)
  }

  /** Opens and verifies the records of a pair, oldest first; refused ones are reported, not used. */
  private async keysFromRecords(
    delegator: string,
    delegate: string,
    delegatorKeys: PublicKeyHandle[],
  ): Promise<AesKey[]> {
    const records = await this.http.call(ROUTES.getExchangeKeys, { params: { delegator, delegate } })
    const keys: AesKey[] = []
    for (const record of records) {
      // The signature covers the pair, but only of the record itself: a record of another pair (even
      // a genuine one of ours) returned for this pair would otherwise be used for the wrong party.
      if (record.delegator !== delegator || record.delegate !== delegate) {
        this.refused.push({
          id: record.id,
          delegator,
          reason: `record of the pair ${record.delegator} -> ${record.delegate}`,
        })
        continue
      }
      try {
        keys.push(
          await openExchangeKey({ record, ownKeys: this.ownKeys, delegatorPublicKeys: delegatorKeys }),
        )
      } catch (e) {
        if (!(e instanceof CryptoError)) throw e
        this.refused.push({ id: record.id, delegator, reason: e.message })
      }
    }
    return keys
  }

  /** The delegate's public keys to encrypt a new exchange key for; a clear error when there is none. */
  private async verifiedKeysOf(delegate: string): Promise<PublicKeyHandle[]> {
    if ((await this.dataOwnerKeys.publicKeysOf(delegate)).length === 0) {
      throw new SdkError(
        'FORBIDDEN',
        `Data owner ${delegate} has no public key yet: it must log in once before data can be shared with it`,
      )
    }
    const verified = await this.acceptedKeysOf(delegate)
    if (verified.length === 0)
      throw new SdkError(
        'FORBIDDEN',
        `No verified public key for data owner ${delegate}: cannot share with it`,
      )
    return verified
  }

  /** Published public keys of another data owner that `verifyDelegatePublicKeys` accepts (asked once per owner). */
  private acceptedKeysOf(dataOwnerId: string): Promise<PublicKeyHandle[]> {
    let found = this.accepted.get(dataOwnerId)
    if (!found) {
      found = (async () => {
        const published = await this.dataOwnerKeys.publicKeysOf(dataOwnerId)
        if (published.length === 0) return []
        const accepted = new Set(
          await this.strategies.verifyDelegatePublicKeys(
            dataOwnerId,
            published.map((k) => k.publicKeyHex),
            globalThis.crypto,
          ),
        )
        return published.filter((k) => accepted.has(k.publicKeyHex))
      })()
      found.catch(() => this.accepted.delete(dataOwnerId))
      this.accepted.set(dataOwnerId, found)
    }
    return found
  }

  private ownPublic(): PublicKeyHandle[] {
    return this.ownKeys
  }
}
