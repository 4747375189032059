import {
  CryptoError,
  addExchangeKeyRecipient,
  createExchangeKey,
  openExchangeKey,
  type AesKey,
  type KeyPairHandle,
  type OpenedExchangeKey,
  type PublicKeyHandle,
} from '@cairn/crypto'
import { ROUTES, type ExchangeKeyDto } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import type { KeyTrust } from './key-trust.ts'
import { SdkError } from '../http/sdk-error.ts'

/** An opened record of a pair with its id. */
interface OpenedRecord extends OpenedExchangeKey {
  record: ExchangeKeyDto
}

/**
 * Exchange keys of the current data owner (docs/protocol.md): K(self->D) to share with D and K(O->self)
 * to read what O shared. Only records whose delegator signature verifies with a key KeyTrust trusts are
 * used. To share, the client picks the newest record it verifies that is encrypted exactly for the
 * current trusted keys of both parties (so a changed or revoked key gets a fresh exchange key), and
 * creates one when there is none. Decrypted keys are cached per pair: after the first contact a share or
 * a read costs no RSA operation.
 */
export class ExchangeKeyManager {
  private readonly outgoing = new Map<string, Promise<AesKey>>()
  private readonly incoming = new Map<string, Promise<AesKey[]>>()
  /** Every verified K(self -> delegate) this data owner can open, for reading what it wrapped for others. */
  private readonly outgoingRead = new Map<string, Promise<AesKey[]>>()
  /** Pairs (`delegator->delegate`) with records none of our keys opens: shared with a key since lost. */
  private readonly unopened = new Set<string>()
  /** Newest signed creation time used per outgoing pair: an older record served later is not used. */
  private readonly newestUsed = new Map<string, number>()
  /**
   * Records refused because they could not be opened or verified (reported, never used): the newest
   * MAX_REFUSED, so that a server serving bogus records for a long session cannot grow it without bound.
   */
  readonly refused: { id: string; delegator: string; reason: string }[] = []
  static readonly MAX_REFUSED = 100

  constructor(
    private readonly http: HttpClient,
    private readonly selfId: string,
    private readonly ownKeys: KeyPairHandle[],
    private readonly trust: KeyTrust,
  ) {}

  /** A safe summary for logs and JSON: never the cached keys. */
  toJSON(): { selfId: string } {
    return { selfId: this.selfId }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the summary of {@link toJSON}, no key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ExchangeKeyManager ${JSON.stringify(this.toJSON())}`
  }

  /** K(self -> delegate): the newest suitable verified one, or a new one created and stored now. */
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
      found = this.openAll(delegator, this.selfId).then((rs) => rs.map((r) => r.key))
      found.catch(() => this.incoming.delete(delegator))
      this.incoming.set(delegator, found)
    }
    return found
  }

  /**
   * Every verified K(self -> delegate) this data owner can open. A data owner reads its own entities
   * through its self pair; after a lost key, that pair is gone, and what it shared with `delegate` is
   * read through the entries it wrapped for `delegate`, once `delegate` gave access back.
   */
  keysToRead(delegate: string): Promise<AesKey[]> {
    let found = this.outgoingRead.get(delegate)
    if (!found) {
      found = this.openAll(this.selfId, delegate).then((rs) => rs.map((r) => r.key))
      found.catch(() => this.outgoingRead.delete(delegate))
      this.outgoingRead.set(delegate, found)
    }
    return found
  }

  /**
   * Whether the pair has records that none of this device's keys opens (seen since the last
   * {@link clear}): values wrapped under them were shared with a key this data owner has lost, which
   * is not the same as values changed by someone.
   */
  hasUnopened(delegator: string, delegate: string): boolean {
    return this.unopened.has(`${delegator}->${delegate}`)
  }

  /** Whether this device took the lost-key path: the data owner has previous (lost) own keys pinned. */
  async lostOwnKeys(): Promise<boolean> {
    return (await this.trust.keysOf(this.selfId)).previousOwn.length > 0
  }

  /** Whether a record is encrypted for one of the data owner's previous (lost) own keys. */
  private async forPreviousOwnKey(record: ExchangeKeyDto): Promise<boolean> {
    const entries: unknown = record.encryptedKey
    if (typeof entries !== 'object' || entries === null) return false
    const previous = (await this.trust.keysOf(this.selfId)).previousOwn
    return previous.some((k) => Object.hasOwn(entries, k.fingerprint))
  }

  /**
   * Gives a new public key of `ownerId` access to every exchange key of the pair, in both directions
   * (MedTech `giveAccessBackTo`): one RSA encryption per record, never per entity. Returns the number of
   * records updated.
   */
  async giveAccessBack(ownerId: string, newKey: PublicKeyHandle): Promise<number> {
    let updated = 0
    for (const [delegator, delegate] of [
      [this.selfId, ownerId],
      [ownerId, this.selfId],
    ] as const) {
      for (const opened of await this.openAll(delegator, delegate)) {
        if (Object.hasOwn(opened.record.encryptedKey, newKey.fingerprint)) continue
        const next = await addExchangeKeyRecipient({
          record: opened.record,
          key: opened.key,
          recipient: newKey,
        })
        await this.http.call(ROUTES.addExchangeKeyRecipients, {
          params: { id: opened.record.id },
          body: { encryptedKey: { [newKey.fingerprint]: next.encryptedKey[newKey.fingerprint] } },
        })
        updated++
      }
    }
    this.clear()
    return updated
  }

  /** Last time the published keys of each delegator were read again because of an unknown signer (ms). */
  private readonly trustRefreshedAt = new Map<string, number>()

  private mayRefreshTrust(delegator: string): boolean {
    const now = Date.now()
    if (now - (this.trustRefreshedAt.get(delegator) ?? 0) < 1000) return false
    this.trustRefreshedAt.set(delegator, now)
    return true
  }

  private refuse(entry: { id: string; delegator: string; reason: string }): void {
    this.refused.push(entry)
    if (this.refused.length > ExchangeKeyManager.MAX_REFUSED) this.refused.shift()
  }

  /** Forgets every cached key (after someone shared new keys with us, or a key change). */
  clear(): void {
    this.outgoing.clear()
    this.incoming.clear()
    this.outgoingRead.clear()
    this.unopened.clear()
  }

  private async findOrCreate(delegate: string): Promise<AesKey> {
    const own = await this.trust.keysOf(this.selfId)
    const delegateKeys = delegate === this.selfId ? [] : await this.trust.keysToEncryptFor(delegate)
    // Own pairs on this device that are still trusted (a revoked one neither signs nor receives).
    const ownUsable = this.ownKeys.filter((k) => !own.revoked.includes(k.fingerprint))
    if (ownUsable.length === 0)
      throw new SdkError('FORBIDDEN', `Every key of data owner ${this.selfId} on this device is revoked`)
    // Suitable: encrypted (per its signed recipient list) only for keys trusted now, and for every
    // trusted key of the delegate, so that a changed or revoked key gets a fresh exchange key.
    const allowed = new Set([...own.accepted, ...delegateKeys].map((k) => k.fingerprint))
    const required = delegateKeys.map((k) => k.fingerprint)
    // Only records signed by a key trusted now: one signed by a lost key (kept to read old data) is
    // never chosen for new data.
    const signers = new Set(own.accepted.map((k) => k.fingerprint))
    const pair = `${this.selfId}->${delegate}`
    const suitable = (await this.openAll(this.selfId, delegate))
      .filter(
        (r) =>
          signers.has(r.record.signerFingerprint) &&
          r.recipients.every((fp) => allowed.has(fp)) &&
          required.every((fp) => r.recipients.includes(fp)),
      )
      .sort((a, b) => b.keyCreated - a.keyCreated)
    const newest = suitable[0]
    if (newest && newest.keyCreated >= (this.newestUsed.get(pair) ?? 0)) {
      this.newestUsed.set(pair, newest.keyCreated)
      return newest.key
    }
    const { record, key, opened } = await createExchangeKey({
      delegatorId: this.selfId,
      delegateId: delegate,
      // The newest usable pair on this device signs (after a rotation, the new key).
      signer: ownUsable[ownUsable.length - 1],
      recipients: [...ownUsable, ...delegateKeys],
    })
    await this.http.call(ROUTES.createExchangeKey, {
      body: { id: globalThis.crypto.randomUUID(), ...record },
    })
    this.newestUsed.set(pair, opened.keyCreated)
    // The self pair is also read with: remember the new key instead of reopening it with RSA later.
    if (delegate === this.selfId) this.incoming.set(this.selfId, Promise.resolve([key]))
    return key
  }

  /**
   * Opens and verifies the records of a pair, oldest first, with the delegator's trusted keys;
   * refused ones are reported, not used.
   */
  private async openAll(delegator: string, delegate: string): Promise<OpenedRecord[]> {
    const [records, trustedNow, known] = await Promise.all([
      this.http.call(ROUTES.getExchangeKeys, { params: { delegator, delegate } }),
      this.trust.keysOf(delegator),
      this.trust.knownRecords(delegator),
    ])
    let trusted = trustedNow
    // A signer this instance has never seen: the delegator may have published a key since (a new key
    // after a loss). Its keys are read again, at most once per second per delegator, so that bogus
    // records cannot make every read refetch.
    const seen = new Set(
      [...trusted.accepted, ...trusted.refused, ...trusted.revokedKeys, ...trusted.previousOwn].map(
        (k) => k.fingerprint,
      ),
    )
    if (records.some((r) => !seen.has(r.signerFingerprint)) && this.mayRefreshTrust(delegator)) {
      this.trust.refresh(delegator)
      trusted = await this.trust.keysOf(delegator)
    }
    const out: OpenedRecord[] = []
    const verified: string[] = []
    for (const record of records) {
      // The signature covers the pair, but only of the record itself: a record of another pair (even
      // a genuine one of ours) returned for this pair would otherwise be used for the wrong party.
      if (record.delegator !== delegator || record.delegate !== delegate) {
        this.refuse({
          id: record.id,
          delegator,
          reason: `record of the pair ${record.delegator} -> ${record.delegate}`,
        })
        continue
      }
      // A key revoked since still verifies the records this device had verified before; the own keys
      // lost before this device made its pair verify the records they signed (for reading only).
      const signers = [
        ...trusted.accepted,
        ...(known.has(record.id) ? trusted.revokedKeys : []),
        ...trusted.previousOwn,
      ]
      try {
        const opened = await openExchangeKey({ record, ownKeys: this.ownKeys, delegatorPublicKeys: signers })
        out.push({ ...opened, record })
        if (!known.has(record.id)) verified.push(record.id)
      } catch (e) {
        if (!(e instanceof CryptoError)) throw e
        // Not ours to open: a record shared with a key we lost, or signed by a key of the delegator
        // we do not trust yet (a new key after its own loss). What it wraps is withheld, not forged.
        // Only then: a record that merely fails to open is not enough (anyone can plant one), it must
        // be encrypted for one of our previous (lost) keys, or signed by a published key not trusted.
        if (
          (e.code === 'CANNOT_DECRYPT' && (await this.forPreviousOwnKey(record))) ||
          (e.code === 'BAD_SIGNATURE' &&
            trusted.refused.some((k) => k.fingerprint === record.signerFingerprint))
        )
          this.unopened.add(`${delegator}->${delegate}`)
        this.refuse({ id: record.id, delegator, reason: e.message })
      }
    }
    if (verified.length > 0) await this.trust.rememberRecords(delegator, verified)
    return out
  }
}
