import { fingerprintOf, keyStatementText, rsaSign, utf8_2ua, type KeyPairHandle } from '@cairn/crypto'
import { ROUTES, type DataOwnerWithTypeDto, type KeyStatementDto } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import { keyStatementsOf, publishedKeysOf } from '../crypto/data-owner-keys.ts'
import { keepKeyPair, publishKeys } from '../crypto/own-keys.ts'
import {
  exportOwnPairs,
  openRecoveryData,
  readRecoveryCode,
  storeRecoveryData,
  type RecoveredPair,
} from '../crypto/recovery-key.ts'
import type { ApiContext } from './api-context.ts'

/** What `cryptoApi.getRecoveryKeyStatus()` tells: nothing secret. */
export interface RecoveryKeyStatus {
  /** Whether the data owner has a recovery key on the server. */
  exists: boolean
  /** When the current recovery key was stored (epoch ms). */
  created?: number
  /** Fingerprints of the keys it covers, as the device that made it declared them. */
  fingerprints: string[]
  /**
   * Keys on this device it does not cover (e.g. after `dataOwnerApi.rotateKeyPair()`): create a new
   * recovery key so that they can be restored too. As told by the server, which could misreport it.
   */
  missingFingerprints: string[]
}

/**
 * The recovery-key operations of `cryptoApi` (docs/protocol.md, "Recovery key"), for the current data
 * owner: create (and show once), status, delete, and restore on a device from the code alone.
 */
export class RecoveryKeys {
  constructor(
    private readonly ctx: ApiContext,
    /** The crypto strategies, which may hold exportable pairs (given or generated in this session). */
    private readonly strategies: unknown,
    private readonly warn: (message: string) => void = (m) => console.warn(`[cairn] ${m}`),
  ) {}

  /** See CryptoApi.createRecoveryKey. */
  async create(): Promise<string> {
    const k = this.keys()
    const pairs = await exportOwnPairs({
      selfId: k.selfId,
      ownKeys: k.ownKeys,
      keyStorage: k.keyStorage,
      strategies: this.strategies,
    })
    return storeRecoveryData(this.ctx.http, k.selfId, pairs)
  }

  /** See CryptoApi.getRecoveryKeyStatus. */
  async status(): Promise<RecoveryKeyStatus> {
    const { selfId, ownKeys } = this.keys()
    const s = await this.ctx.http.call(ROUTES.recoveryKey.status, { params: { dataOwnerId: selfId } })
    const fingerprints = s.fingerprints ?? []
    return {
      exists: s.exists,
      ...(s.created !== undefined ? { created: s.created } : {}),
      fingerprints,
      missingFingerprints: s.exists
        ? ownKeys.map((k) => k.fingerprint).filter((fp) => !fingerprints.includes(fp))
        : ownKeys.map((k) => k.fingerprint),
    }
  }

  /** See CryptoApi.deleteRecoveryKey. */
  async delete(): Promise<void> {
    const { selfId } = this.keys()
    await this.ctx.http.call(ROUTES.recoveryKey.delete, { params: { dataOwnerId: selfId } })
  }

  /** See CryptoApi.restoreFromRecoveryKey. */
  async restore(code: string): Promise<string[]> {
    const secret = await readRecoveryCode(code)
    const k = this.keys()
    const current = await this.ctx.http.call(ROUTES.currentDataOwner, {})
    const published = publishedKeysOf(current.dataOwner)
    const recovered = await openRecoveryData(this.ctx.http, k.selfId, secret, published, this.warn)
    const before = [...k.ownKeys]
    const onDevice = new Set(before.map((h) => h.fingerprint))
    for (const r of recovered) {
      if (onDevice.has(r.handle.fingerprint)) continue
      await keepKeyPair(k.keyStorage, k.storage, k.selfId, r.hex)
      // Last: the newest pair on the device signs new exchange keys, and a recovered key is one the
      // counterparts already trust.
      k.ownKeys.push(r.handle)
      onDevice.add(r.handle.fingerprint)
    }
    this.clearCaches()
    await this.vouchForDeviceKeys(current, recovered, before)
    return recovered.map((r) => r.handle.fingerprint)
  }

  /**
   * Keys this device made on the lost-key path before the recovery (published, not revoked, not the data
   * owner's first key, and vouched for by no `key-add`) get a `key-add` signed by the newest recovered
   * key: the counterparts that pinned the recovered keys then trust them as after a rotation, instead of
   * refusing them until someone gives access back. Only keys whose private half is on this device.
   */
  private async vouchForDeviceKeys(
    current: DataOwnerWithTypeDto,
    recovered: readonly RecoveredPair[],
    before: readonly KeyPairHandle[],
  ): Promise<void> {
    const { selfId, keyTrust } = this.keys()
    const published = publishedKeysOf(current.dataOwner)
    if (published.length === 0) return
    const first = await fingerprintOf(published[0])
    const vouched = new Set(
      keyStatementsOf(current.dataOwner)
        .filter((s) => s.statement === 'key-add')
        .map((s) => s.fingerprint),
    )
    const revoked = (await keyTrust.keysOf(selfId)).revoked
    const recoveredFps = new Set(recovered.map((r) => r.handle.fingerprint))
    const signer = [...recovered].reverse().find((r) => !revoked.includes(r.handle.fingerprint))?.handle
    const toVouch = before.filter(
      (h) =>
        !recoveredFps.has(h.fingerprint) &&
        published.includes(h.publicKeyHex) &&
        h.fingerprint !== first &&
        !vouched.has(h.fingerprint) &&
        !revoked.includes(h.fingerprint),
    )
    if (!signer || toVouch.length === 0) return
    const statements: KeyStatementDto[] = []
    for (const h of toVouch) {
      const signature = await rsaSign(signer, utf8_2ua(keyStatementText('key-add', selfId, h.fingerprint)))
      statements.push({
        statement: 'key-add',
        fingerprint: h.fingerprint,
        signerFingerprint: signer.fingerprint,
        signature,
      })
    }
    await publishKeys(this.ctx.http, current, [], statements)
    this.clearCaches()
  }

  /** Forgets the published keys, the trust computed from them and the opened exchange keys. */
  private clearCaches(): void {
    this.ctx.dataOwnerKeys.clear()
    this.ctx.keyTrust?.clear()
    this.ctx.exchangeKeys?.clear()
  }

  /** The key machinery of a data owner, or the MedTech error for users that are none. */
  private keys() {
    const { selfId, ownKeys, keyTrust, keyStorage, storage } = this.ctx
    if (!selfId || !ownKeys || !keyTrust || !keyStorage || !storage) {
      throw new SdkError(
        'FORBIDDEN',
        'The current user is not a data owner. You must be either a patient, a device or a healthcare professional to call this method.',
      )
    }
    return { selfId, ownKeys, keyTrust, keyStorage, storage }
  }
}
