import {
  keyStatementText,
  rsaVerify,
  utf8_2ua,
  type KeyPairHandle,
  type PublicKeyHandle,
} from '@cairn/crypto'
import type { KeyStatementDto } from '@cairn/protocol'
import type { StorageFacade } from '../storage/storage-facade.ts'
import type { DataOwnerKeys } from './data-owner-keys.ts'
import type { MedTechCryptoStrategies } from './medtech-crypto-strategies.ts'
import { SdkError } from '../http/sdk-error.ts'

/** Storage entry of the pins of one data owner, as seen by `selfId`. */
const pinEntry = (selfId: string, ownerId: string) => `cairn.pins.${selfId}.${ownerId}`

/** What is kept per data owner: fingerprints trusted once, and revocations seen (never forgotten). */
interface Pins {
  keys: string[]
  revoked: string[]
  /** Ids of exchange-key records of this delegator already verified (usable after a revocation). */
  records?: string[]
  /**
   * Own pins only: the keys the data owner had published when this device took the lost-key path
   * (their private keys were nowhere). Trusted to verify the records they signed, for reading what
   * was shared back, never to choose an exchange key for new data.
   */
  previous?: string[]
}

/** Records remembered per data owner; beyond this the oldest are forgotten. */
const MAX_RECORDS = 1000

/** The trusted keys of a data owner now, and what was refused. */
export interface TrustedKeys {
  /** Published, trusted and not revoked: encrypt to these, verify signatures with these. */
  accepted: PublicKeyHandle[]
  /** Published keys neither pinned, nor signed by a pinned key, nor accepted by the strategies. */
  refused: PublicKeyHandle[]
  /** Fingerprints pinned before this look (empty on first contact). */
  pinned: string[]
  /** Fingerprints revoked by a valid signed statement. */
  revoked: string[]
  /** The revoked keys still published, to verify records verified before their revocation. */
  revokedKeys: PublicKeyHandle[]
  /**
   * Own keys only: the lost keys this device pinned when it made a new pair (not revoked, not
   * otherwise trusted). They verify the signatures of old records when reading; nothing is encrypted
   * to them and no new share uses a record they signed.
   */
  previousOwn: PublicKeyHandle[]
}

/**
 * Key authenticity (protocol v2, docs/protocol.md "Key pinning"): the SDK remembers (pins) the public
 * keys it has trusted for each data owner, in the app's StorageFacade, and trusts a key published later
 * only if a pinned key of the same data owner signed its addition (rotation) or the crypto strategies'
 * `verifyDelegatePublicKeys` accepts it (the default strategy does on first contact only: trust on first
 * use). A key revoked by a valid signed statement is never used again. The current data owner's own keys
 * start from the key pairs on this device.
 */
export class KeyTrust {
  private readonly cache = new Map<string, Promise<TrustedKeys>>()

  constructor(
    private readonly selfId: string,
    private readonly deviceKeys: readonly KeyPairHandle[],
    private readonly published: DataOwnerKeys,
    private readonly strategies: MedTechCryptoStrategies,
    private readonly storage: StorageFacade<string>,
  ) {}

  /** A safe summary for logs and JSON: never the cached keys. */
  toJSON(): { selfId: string } {
    return { selfId: this.selfId }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the summary of {@link toJSON}, no key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `KeyTrust ${JSON.stringify(this.toJSON())}`
  }

  /** Trusted keys of a data owner (computed once per API instance; `clear` to look again). */
  keysOf(ownerId: string): Promise<TrustedKeys> {
    let found = this.cache.get(ownerId)
    if (!found) {
      found = this.compute(ownerId)
      found.catch(() => this.cache.delete(ownerId))
      this.cache.set(ownerId, found)
    }
    return found
  }

  /**
   * The keys to encrypt a new exchange key for. Rejects with KEY_VERIFICATION when the data owner
   * published a key that is neither pinned nor verified (a changed or added key, naming both
   * fingerprints), and with FORBIDDEN when it has no trusted key at all.
   */
  async keysToEncryptFor(ownerId: string): Promise<PublicKeyHandle[]> {
    const t = await this.keysOf(ownerId)
    if (t.refused.length > 0) {
      throw new SdkError(
        'KEY_VERIFICATION',
        `The public keys of data owner ${ownerId} changed: pinned ${t.pinned.join(', ') || '(none)'}, ` +
          `new unverified ${t.refused.map((k) => k.fingerprint).join(', ')}. The new key is not signed by a ` +
          `pinned key and the crypto strategies did not accept it. Compare its fingerprint with the data owner ` +
          `out of band (dataOwnerApi.getFingerprints), then accept it with dataOwnerApi.giveAccessBackTo or a ` +
          `verifyDelegatePublicKeys that returns it.`,
      )
    }
    if (t.accepted.length === 0) {
      const anyPublished = (await this.published.published(ownerId)).keys.length > 0
      throw new SdkError(
        'FORBIDDEN',
        anyPublished
          ? `No verified public key for data owner ${ownerId}: cannot share with it`
          : `Data owner ${ownerId} has no public key yet: it must log in once before data can be shared with it`,
      )
    }
    return t.accepted
  }

  /**
   * Pins a key of a data owner for the lost-key flow's `giveAccessBackTo`: the key must be published
   * by that data owner, not revoked, and either trusted already or accepted by the crypto strategies'
   * `verifyDelegatePublicKeys` (asked with `giveAccessBack: true`). The default strategies accept it
   * (MedTech: the caller trusts the key); an app that verifies fingerprints out of band refuses it
   * until the user confirmed it, and the call then fails with KEY_VERIFICATION.
   */
  async accept(ownerId: string, publicKeyHex: string): Promise<PublicKeyHandle> {
    const { keys } = await this.published.published(ownerId)
    const key = keys.find((k) => k.publicKeyHex === publicKeyHex.toLowerCase())
    if (!key)
      throw new SdkError('BAD_REQUEST', `Data owner ${ownerId} has not published the public key given`)
    const current = await this.keysOf(ownerId)
    if (current.revoked.includes(key.fingerprint))
      throw new SdkError('FORBIDDEN', `Key ${key.fingerprint} of data owner ${ownerId} was revoked`)
    const trusted = current.accepted.some((k) => k.fingerprint === key.fingerprint)
    if (!trusted && ownerId === this.selfId)
      throw new SdkError(
        'KEY_VERIFICATION',
        `Key ${key.fingerprint} of data owner ${ownerId} is not trusted on this device: an own key is trusted ` +
          `only through a key-add statement signed by a key on the device`,
      )
    if (!trusted) {
      const verified = await this.strategies.verifyDelegatePublicKeys(
        ownerId,
        [key.publicKeyHex],
        globalThis.crypto,
        { pinnedFingerprints: [...current.pinned], fingerprints: [key.fingerprint], giveAccessBack: true },
      )
      if (!verified.map((k) => k.toLowerCase()).includes(key.publicKeyHex))
        throw new SdkError(
          'KEY_VERIFICATION',
          `Could not give access back to owner ${ownerId} with public key ${key.fingerprint}: the crypto ` +
            `strategies (verifyDelegatePublicKeys) did not verify it. Compare its fingerprint with the data ` +
            `owner out of band, then try again.`,
        )
    }
    // Pins read after the awaits above (computing trust and asking the strategies save pins too).
    const pins = await this.loadPins(ownerId)
    if (!pins.keys.includes(key.fingerprint)) pins.keys.push(key.fingerprint)
    await this.savePins(ownerId, pins)
    this.cache.delete(ownerId)
    return key
  }

  /**
   * Pins, on the lost-key path, the own keys published when this device made its new pair: their
   * private keys are lost, but the records they signed are still the data owner's own, and are what
   * the counterparts give access back to. Trust on first use at the moment of the loss, as for any
   * other data owner's keys on first contact (docs/protocol.md "Lost key").
   */
  async rememberPreviousOwnKeys(fingerprints: readonly string[]): Promise<void> {
    if (fingerprints.length === 0) return
    const pins = await this.loadPins(this.selfId)
    pins.previous = [...new Set([...(pins.previous ?? []), ...fingerprints])]
    await this.savePins(this.selfId, pins)
    this.cache.delete(this.selfId)
  }

  /**
   * Exchange-key records of `ownerId` (as delegator) this device verified before: a record signed by
   * a key revoked since stays usable for a client that had verified it, while a new record signed by
   * a revoked key is refused.
   */
  async knownRecords(ownerId: string): Promise<Set<string>> {
    return new Set((await this.loadPins(ownerId)).records ?? [])
  }

  /** Remembers records verified with trusted keys (see {@link knownRecords}). */
  async rememberRecords(ownerId: string, ids: readonly string[]): Promise<void> {
    const pins = await this.loadPins(ownerId)
    const known = new Set(pins.records ?? [])
    if (ids.every((id) => known.has(id))) return
    for (const id of ids) known.add(id)
    pins.records = [...known].slice(-MAX_RECORDS)
    await this.savePins(ownerId, pins)
  }

  /**
   * Forgets the published keys and the computed trust of one data owner (pins stay), so that the next
   * look reads them again: a record signed by a key this instance has never seen (a key published
   * since, e.g. after the data owner lost its own).
   */
  refresh(ownerId: string): void {
    this.published.forget(ownerId)
    this.cache.delete(ownerId)
  }

  /** Forgets the computed trust of one data owner (pins stay), after its deletion. */
  forget(ownerId: string): void {
    this.cache.delete(ownerId)
  }

  /** Forgets the computed trust (pins stay). */
  clear(): void {
    this.cache.clear()
  }

  private async compute(ownerId: string): Promise<TrustedKeys> {
    const { keys, statements } = await this.published.published(ownerId)
    const byFp = new Map(keys.map((k) => [k.fingerprint, k]))
    const pins = await this.loadPins(ownerId)
    const isSelf = ownerId === this.selfId
    if (isSelf)
      for (const k of this.deviceKeys) if (!pins.keys.includes(k.fingerprint)) pins.keys.push(k.fingerprint)
    const pinned = [...pins.keys]
    // Revoked keys are out before anything else: a revoked (maybe stolen) key vouches for nothing.
    const trusted = new Set(
      pins.keys.filter((fp) => !pins.revoked.includes(fp) && (byFp.has(fp) || (isSelf && this.isDevice(fp)))),
    )
    const revoke = async () => {
      for (const fp of await this.revocations(ownerId, statements, byFp, trusted))
        if (!pins.revoked.includes(fp)) pins.revoked.push(fp)
      for (const fp of pins.revoked) trusted.delete(fp)
    }
    await revoke()
    const candidates = keys.filter((k) => !pins.revoked.includes(k.fingerprint))
    if (pinned.length === 0 && !isSelf) {
      // First contact: the strategies decide (the default trusts what is published: TOFU).
      for (const fp of await this.askStrategies(ownerId, candidates, pinned)) trusted.add(fp)
    } else {
      await this.applyAdditions(ownerId, statements, byFp, trusted, pins.revoked)
      const unknown = candidates.filter((k) => !trusted.has(k.fingerprint))
      if (unknown.length > 0 && !isSelf)
        for (const fp of await this.askStrategies(ownerId, unknown, pinned)) trusted.add(fp)
    }
    await revoke()
    for (const fp of trusted) if (!pins.keys.includes(fp)) pins.keys.push(fp)
    await this.savePins(ownerId, pins)

    const handle = (fp: string) => byFp.get(fp) ?? this.deviceKeys.find((k) => k.fingerprint === fp)
    const previous = isSelf ? (pins.previous ?? []) : []
    return {
      accepted: [...trusted].map(handle).filter((k): k is PublicKeyHandle => k !== undefined),
      refused: keys.filter((k) => !trusted.has(k.fingerprint) && !pins.revoked.includes(k.fingerprint)),
      pinned,
      revoked: [...pins.revoked],
      revokedKeys: pins.revoked.map(handle).filter((k): k is PublicKeyHandle => k !== undefined),
      previousOwn: keys.filter(
        (k) =>
          previous.includes(k.fingerprint) &&
          !trusted.has(k.fingerprint) &&
          !pins.revoked.includes(k.fingerprint),
      ),
    }
  }

  private isDevice(fp: string): boolean {
    return this.deviceKeys.some((k) => k.fingerprint === fp)
  }

  /** Adds to `trusted` every key whose addition a trusted key signed, until nothing changes. */
  private async applyAdditions(
    ownerId: string,
    statements: readonly KeyStatementDto[],
    byFp: ReadonlyMap<string, PublicKeyHandle>,
    trusted: Set<string>,
    revoked: readonly string[],
  ): Promise<void> {
    let grew = true
    while (grew) {
      grew = false
      for (const st of statements) {
        if (st.statement !== 'key-add' || trusted.has(st.fingerprint) || !byFp.has(st.fingerprint)) continue
        if (revoked.includes(st.fingerprint) || revoked.includes(st.signerFingerprint)) continue
        if (!trusted.has(st.signerFingerprint)) continue
        if (await this.verifyStatement(ownerId, st, byFp)) {
          trusted.add(st.fingerprint)
          grew = true
        }
      }
    }
  }

  /** Fingerprints revoked by a statement signed by the revoked key itself or by a trusted key. */
  private async revocations(
    ownerId: string,
    statements: readonly KeyStatementDto[],
    byFp: ReadonlyMap<string, PublicKeyHandle>,
    trusted: ReadonlySet<string>,
  ): Promise<string[]> {
    const out: string[] = []
    for (const st of statements) {
      if (st.statement !== 'key-revoke') continue
      if (st.signerFingerprint !== st.fingerprint && !trusted.has(st.signerFingerprint)) continue
      if (await this.verifyStatement(ownerId, st, byFp)) out.push(st.fingerprint)
    }
    return out
  }

  private async verifyStatement(
    ownerId: string,
    st: KeyStatementDto,
    byFp: ReadonlyMap<string, PublicKeyHandle>,
  ): Promise<boolean> {
    const signer =
      byFp.get(st.signerFingerprint) ?? this.deviceKeys.find((k) => k.fingerprint === st.signerFingerprint)
    if (!signer) return false
    const text = keyStatementText(st.statement, ownerId, st.fingerprint)
    return rsaVerify(signer, utf8_2ua(text), st.signature)
  }

  private async askStrategies(
    ownerId: string,
    keys: readonly PublicKeyHandle[],
    pinned: readonly string[],
  ): Promise<string[]> {
    if (keys.length === 0) return []
    const accepted = new Set(
      await this.strategies.verifyDelegatePublicKeys(
        ownerId,
        keys.map((k) => k.publicKeyHex),
        globalThis.crypto,
        { pinnedFingerprints: [...pinned], fingerprints: keys.map((k) => k.fingerprint) },
      ),
    )
    return keys.filter((k) => accepted.has(k.publicKeyHex)).map((k) => k.fingerprint)
  }

  private async loadPins(ownerId: string): Promise<Pins> {
    const raw = await this.storage.getItem(pinEntry(this.selfId, ownerId))
    if (!raw) return { keys: [], revoked: [] }
    try {
      const parsed = JSON.parse(raw) as Partial<Pins>
      const strings = (v: unknown) =>
        Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : []
      return {
        keys: strings(parsed.keys),
        revoked: strings(parsed.revoked),
        records: strings(parsed.records),
        previous: strings(parsed.previous),
      }
    } catch (e) {
      throw new SdkError('BAD_REQUEST', `The key pins stored for data owner ${ownerId} are corrupt`, {
        cause: e,
      })
    }
  }

  private savePins(ownerId: string, pins: Pins): Promise<void> {
    return this.storage.setItem(pinEntry(this.selfId, ownerId), JSON.stringify(pins))
  }
}
