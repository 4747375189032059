import {
  ENTITY_DESCRIPTORS,
  ROUTES,
  type DataOwnerWithTypeDto,
  type EncryptedEntityDto,
} from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'
import {
  EncryptedPatient,
  HealthcareProfessional,
  MedicalDevice,
  type DataOwnerWithType,
  type Notification,
  type User,
} from '../models/index.ts'
import { publishedKeysOf } from '../crypto/data-owner-keys.ts'
import { keepKeyPair, publishKeys } from '../crypto/own-keys.ts'
import {
  fingerprintOf,
  generateKeyPairHex,
  importKeyPair,
  keyStatementText,
  rsaSign,
  sha256,
  utf8_2ua,
} from '@cairn/crypto'
import type { ApiContext } from './api-context.ts'
import { askForAccessBack, type AccessBackRequests } from './ask-for-access-back.ts'

/** The key machinery of a data owner's API, or the MedTech error for users that are none. */
function requireKeys(ctx: ApiContext) {
  if (!ctx.selfId || !ctx.keyTrust || !ctx.exchangeKeys || !ctx.ownKeys) {
    throw new SdkError(
      'FORBIDDEN',
      'The current user is not a data owner. You must be either a patient, a device or a healthcare professional to call this method.',
    )
  }
  return { selfId: ctx.selfId, keyTrust: ctx.keyTrust, exchangeKeys: ctx.exchangeKeys, ownKeys: ctx.ownKeys }
}
import type { PatientApi } from './patient-api.ts'

/** The data owner id of a user (MedTech: healthcare professional, then patient, then device). */
export function dataOwnerIdOf(user: User): string {
  const id = user.healthcarePartyId ?? user.patientId ?? user.deviceId
  if (!id) {
    throw new SdkError(
      'FORBIDDEN',
      'The current user is not a data owner. You must be either a patient, a device or a healthcare professional to call this method.',
    )
  }
  return id
}

/** Builds the typed model of a data owner document; patients decrypted when possible. */
export async function dataOwnerFromDto(
  dto: DataOwnerWithTypeDto,
  patients?: PatientApi,
): Promise<DataOwnerWithType> {
  if (dto.type === 'HealthcareProfessional')
    return { type: dto.type, dataOwner: new HealthcareProfessional(dto.dataOwner) }
  if (dto.type === 'MedicalDevice') return { type: dto.type, dataOwner: new MedicalDevice(dto.dataOwner) }
  const doc = dto.dataOwner as unknown as EncryptedEntityDto
  if (patients && doc.systemMetaData?.delegations) {
    const { model, decrypted } = await patients.store
      .decrypt(doc)
      .catch(() => ({ model: undefined, decrypted: false }))
    if (model && decrypted) return { type: 'Patient', dataOwner: model }
  }
  // Not decryptable here: the encrypted field names never come from the server's clear JSON.
  const clear: Record<string, unknown> = { ...dto.dataOwner }
  for (const name of ENTITY_DESCRIPTORS.patient.encryptedFields) delete clear[name]
  return { type: 'Patient', dataOwner: new EncryptedPatient(clear) }
}

/** MedTech `DataOwnerApi`. */
export class DataOwnerApi {
  constructor(
    private readonly ctx: ApiContext,
    private readonly patients: PatientApi,
    /** Creates a KEY_PAIR_UPDATE request shared with its delegate only (the notification API's). */
    private readonly createRequest: (notification: Notification, delegate: string) => Promise<unknown> = () =>
      Promise.reject(new SdkError('INTERNAL', 'No notification API')),
  ) {}

  /** `healthcarePartyId ?? patientId ?? deviceId` of the user (sync). */
  getDataOwnerIdOf(user: User): string {
    return dataOwnerIdOf(user)
  }

  /** A data owner by id, typed; a patient the caller cannot access comes with its public keys only. */
  async getDataOwner(ownerId: string): Promise<DataOwnerWithType> {
    const dto = await this.ctx.http.call(ROUTES.getDataOwner, { params: { id: ownerId } })
    return dataOwnerFromDto(dto, this.patients)
  }

  /**
   * Accepts a new public key of a data owner (one it published after losing its key) and gives it
   * access to every exchange key of the pair, both directions: one RSA operation per exchange key,
   * none per entity (MedTech lost-key flow). Calling it is the app's statement that it verified the
   * key (e.g. its fingerprint, compared out of band): the key is pinned (protocol v2).
   */
  async giveAccessBackTo(ownerId: string, ownerNewPublicKey: string): Promise<void> {
    const { keyTrust, exchangeKeys, selfId } = requireKeys(this.ctx)
    // On itself, from a device that still holds an old key (MedTech allows it): the new key is vouched
    // for with a key-add statement signed here, never through the strategies.
    if (ownerId === selfId) await this.vouchForOwnKey(ownerNewPublicKey)
    const key = await keyTrust.accept(ownerId, ownerNewPublicKey)
    await exchangeKeys.giveAccessBack(ownerId, key)
    keyTrust.clear()
  }

  /**
   * Asks again every counterpart to give the current data owner's newest key on this device access
   * back, with one KEY_PAIR_UPDATE notification each (Cairn extension): what `build()` does once after
   * a lost key, for when some could not be asked then (see `api.accessBackRequests`).
   */
  async askForAccessBack(): Promise<AccessBackRequests> {
    const { ownKeys, selfId } = requireKeys(this.ctx)
    const current = await this.ctx.http.call(ROUTES.currentDataOwner, {})
    return askForAccessBack({
      http: this.ctx.http,
      selfId,
      selfType: current.type,
      newPublicKey: ownKeys[ownKeys.length - 1].publicKeyHex,
      create: (n, delegate) => this.createRequest(n, delegate),
    })
  }

  /** Publishes a key-add statement for an own published key, signed by a key on this device. */
  private async vouchForOwnKey(publicKeyHex: string): Promise<void> {
    const { keyTrust, ownKeys, selfId } = requireKeys(this.ctx)
    const mine = await keyTrust.keysOf(selfId)
    if (mine.accepted.some((k) => k.publicKeyHex === publicKeyHex.toLowerCase())) return
    const current = await this.ctx.http.call(ROUTES.currentDataOwner, {})
    const published = publishedKeysOf(current.dataOwner).map((k) => k.toLowerCase())
    if (!published.includes(publicKeyHex.toLowerCase()))
      throw new SdkError('BAD_REQUEST', `Data owner ${selfId} has not published the public key given`)
    const signer = [...ownKeys].reverse().find((k) => !mine.revoked.includes(k.fingerprint))
    if (!signer)
      throw new SdkError('FORBIDDEN', `Every key of data owner ${selfId} on this device is revoked`)
    const fingerprint = await fingerprintOf(publicKeyHex.toLowerCase())
    const signature = await rsaSign(signer, utf8_2ua(keyStatementText('key-add', selfId, fingerprint)))
    await publishKeys(
      this.ctx.http,
      current,
      [],
      [{ statement: 'key-add', fingerprint, signerFingerprint: signer.fingerprint, signature }],
    )
    this.ctx.dataOwnerKeys.clear()
    keyTrust.clear()
  }

  /**
   * The public keys a data owner publishes, with their fingerprints and what this SDK makes of them:
   * `trusted` (pinned, or signed by a pinned key, or accepted by the strategies), `unverified` (refused
   * until verified) or `revoked`. Show fingerprints to users so that they compare them out of band.
   */
  async getFingerprints(
    ownerId: string,
  ): Promise<{ fingerprint: string; publicKey: string; status: 'trusted' | 'unverified' | 'revoked' }[]> {
    const { keyTrust } = requireKeys(this.ctx)
    const [t, published] = await Promise.all([
      keyTrust.keysOf(ownerId),
      this.ctx.dataOwnerKeys.published(ownerId),
    ])
    const accepted = new Set(t.accepted.map((k) => k.fingerprint))
    return published.keys.map((k) => ({
      fingerprint: k.fingerprint,
      publicKey: k.publicKeyHex,
      status: accepted.has(k.fingerprint)
        ? 'trusted'
        : t.revoked.includes(k.fingerprint)
          ? 'revoked'
          : 'unverified',
    }))
  }

  /**
   * A safety number for the current data owner and `otherId`: 60 digits derived from both ids and the
   * fingerprints each side trusts. Both parties compute the same number when they see the same keys,
   * so reading it aloud (or comparing a QR code of it) detects a key substituted by the server.
   */
  async getSafetyNumber(otherId: string): Promise<string> {
    const { keyTrust, selfId } = requireKeys(this.ctx)
    const side = async (id: string) => ({
      id,
      fps: (await keyTrust.keysOf(id)).accepted.map((k) => k.fingerprint).sort(),
    })
    const sides = (await Promise.all([side(selfId), side(otherId)])).sort((a, b) => (a.id < b.id ? -1 : 1))
    const text = 'cairn:v2:safety-number:' + sides.map((x) => `${x.id}=${x.fps.join(',')}`).join(';')
    const digest = await sha256(utf8_2ua(text))
    // 12 groups of 5 digits, each from 4 digest bytes modulo 100000 (as Signal's safety numbers).
    const groups: string[] = []
    for (let i = 0; i < 12; i++) {
      const v =
        ((digest[i * 2] << 24) | (digest[i * 2 + 1] << 16) | (digest[i * 2 + 8] << 8) | digest[i * 2 + 9]) >>>
        0
      groups.push(String(v % 100000).padStart(5, '0'))
    }
    return groups.join(' ')
  }

  /**
   * Rotates the current data owner's keys: a new key pair is generated here, kept in the key storage,
   * and published with a `key-add` statement signed by the newest key on this device, so that every
   * client that pinned that key trusts the new one without asking anyone (protocol v2). New exchange
   * keys are then encrypted for both; revoke the old key with {@link revokeKey} when it must no longer
   * be used. Returns the new key's fingerprint and hex SPKI. A recovery key made before does not hold
   * the new pair (`cryptoApi.getRecoveryKeyStatus().missingFingerprints` lists it): create a new one
   * with `cryptoApi.createRecoveryKey()`.
   */
  async rotateKeyPair(): Promise<{ fingerprint: string; publicKey: string }> {
    const { keyTrust, ownKeys, selfId, exchangeKeys } = requireKeys(this.ctx)
    if (!this.ctx.keyStorage || !this.ctx.storage) throw new SdkError('INTERNAL', 'No key storage configured')
    const revoked = (await keyTrust.keysOf(selfId)).revoked
    const signer = [...ownKeys].reverse().find((k) => !revoked.includes(k.fingerprint))
    if (!signer)
      throw new SdkError('FORBIDDEN', `Every key of data owner ${selfId} on this device is revoked`)
    const pair = await generateKeyPairHex()
    const handle = await importKeyPair(pair)
    const signature = await rsaSign(signer, utf8_2ua(keyStatementText('key-add', selfId, handle.fingerprint)))
    await keepKeyPair(this.ctx.keyStorage, this.ctx.storage, selfId, pair)
    const current = await this.ctx.http.call(ROUTES.currentDataOwner, {})
    await publishKeys(
      this.ctx.http,
      current,
      [pair.publicKey],
      [
        {
          statement: 'key-add',
          fingerprint: handle.fingerprint,
          signerFingerprint: signer.fingerprint,
          signature,
        },
      ],
    )
    ownKeys.push(handle)
    this.ctx.dataOwnerKeys.clear()
    keyTrust.clear()
    exchangeKeys.clear()
    return { fingerprint: handle.fingerprint, publicKey: handle.publicKeyHex }
  }

  /**
   * Revokes one of the current data owner's own keys (lost or stolen) with a statement signed by a key
   * on this device: from then on no client encrypts to it or trusts what it signs. Revoking the last
   * key usable here is refused.
   */
  async revokeKey(fingerprint: string): Promise<void> {
    const { keyTrust, ownKeys, selfId, exchangeKeys } = requireKeys(this.ctx)
    const signer =
      ownKeys.find((k) => k.fingerprint !== fingerprint) ?? ownKeys.find((k) => k.fingerprint === fingerprint)
    if (!signer)
      throw new SdkError('FORBIDDEN', `No key of data owner ${selfId} on this device can sign a revocation`)
    if (ownKeys.every((k) => k.fingerprint === fingerprint))
      throw new SdkError(
        'BAD_REQUEST',
        `Key ${fingerprint} is the only key of data owner ${selfId} on this device: it cannot be revoked here`,
      )
    const current = await this.ctx.http.call(ROUTES.currentDataOwner, {})
    const publishedFps = await Promise.all(publishedKeysOf(current.dataOwner).map((k) => fingerprintOf(k)))
    if (!publishedFps.includes(fingerprint))
      throw new SdkError('BAD_REQUEST', `Data owner ${selfId} has no published key ${fingerprint}`)
    const signature = await rsaSign(signer, utf8_2ua(keyStatementText('key-revoke', selfId, fingerprint)))
    await publishKeys(
      this.ctx.http,
      current,
      [],
      [{ statement: 'key-revoke', fingerprint, signerFingerprint: signer.fingerprint, signature }],
    )
    this.ctx.dataOwnerKeys.clear()
    keyTrust.clear()
    exchangeKeys.clear()
  }

  /** Hex SPKI public keys of a data owner. */
  getPublicKeysOf(dataOwner: DataOwnerWithType): string[] {
    const owner = dataOwner.dataOwner as { systemMetaData?: { marshal?: () => unknown } }
    const meta = owner.systemMetaData?.marshal
      ? (owner.systemMetaData.marshal() as Record<string, unknown>)
      : owner.systemMetaData
    return publishedKeysOf({ systemMetaData: meta })
  }
}
