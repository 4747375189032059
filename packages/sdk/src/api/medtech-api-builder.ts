import {
  DEFAULT_PORT,
  ENTITY_ROUTES,
  MSG_GW_PATH,
  ROUTES,
  type DataOwnerWithTypeDto,
  type EncryptedEntityDto,
} from '@cairn/protocol'
import type { KeyPairHandle } from '@cairn/crypto'
import { HttpClient, disposedError } from '../http/http-client.ts'
import { formatICureApiUrl } from '../util/format-url.ts'
import { userFromDto } from '../mappers/user-mapper.ts'
import { DataOwnerKeys, publishedKeysOf } from '../crypto/data-owner-keys.ts'
import { ExchangeKeyManager } from '../crypto/exchange-key-manager.ts'
import { EntityCrypto } from '../crypto/entity-crypto.ts'
import { initialiseOwnKeys } from '../crypto/own-keys.ts'
import { openRecoveryData, readRecoveryCode } from '../crypto/recovery-key.ts'
import { KeyTrust } from '../crypto/key-trust.ts'
import { warnOncePerEntity, type IntegrityFailureHandler } from '../crypto/integrity-report.ts'
import type { MedTechCryptoStrategies } from '../crypto/medtech-crypto-strategies.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import { LocalStorageImpl } from '../storage/local-storage-impl.ts'
import { KeyStorageImpl } from '../storage/key-storage-impl.ts'
import { IndexedDbKeyStorage } from '../storage/indexed-db-key-storage.ts'
import type { ApiContext } from './api-context.ts'
import { dataOwnerFromDto } from './data-owner-api.ts'
import { MedTechApi } from './medtech-api.ts'
import { askForAccessBack, type AccessBackRequests } from './ask-for-access-back.ts'
import { ownPatientRecordUpdate } from './own-patient-record.ts'
import { SdkError } from '../http/sdk-error.ts'

/** Default base URL: a Cairn server on this machine. */
export const ICURE_FREE_URL = `http://localhost:${DEFAULT_PORT}`
/** Kept for source compatibility; Cairn is self-hosted, so it points at the local default too. */
export const ICURE_CLOUD_URL = ICURE_FREE_URL
/**
 * Kept for source compatibility: the message gateway of the local default server. Cairn serves the
 * gateway itself, at `{iCureBaseUrl}/msggw`, which is what both builders use unless told otherwise.
 */
export const MSG_GW_CLOUD_URL = `${ICURE_FREE_URL}${MSG_GW_PATH}`

/**
 * Builder of a MedTechApi (MedTech §1.1). `build()` logs in, loads the user and its data owner,
 * initialises the data owner's keys (loading, recovering or generating them) and returns the API.
 */
export class MedTechApiBuilder {
  private baseUrl = ICURE_FREE_URL
  private userName?: string
  private password?: string
  private crypto?: Crypto
  private storage?: StorageFacade<string>
  private keyStorage?: KeyStorageFacade
  private cryptoStrategies?: MedTechCryptoStrategies
  private msgGwUrl?: string
  private msgGwSpecId?: string
  private authProcessByEmailId?: string
  private authProcessBySmsId?: string
  private integrityFailureHandler?: IntegrityFailureHandler
  /** Recovery code to restore missing keys from (kept until build, never copied by `from`). */
  private recoveryCode?: string

  /** Server base URL (`http(s)://host[:port]`, optionally ending in `/rest/v1`); throws if malformed. */
  withICureBaseUrl(url: string): this {
    this.baseUrl = formatICureApiUrl(url)
    return this
  }
  /** Login, email or phone of the user. */
  withUserName(userName: string): this {
    this.userName = userName
    return this
  }
  /** Password or long-lived token. */
  withPassword(password: string): this {
    this.password = password
    return this
  }
  /** WebCrypto implementation (defaults to `globalThis.crypto`). */
  withCrypto(crypto: Crypto): this {
    this.crypto = crypto
    return this
  }
  /** Where the SDK keeps small local state (key verification decisions). */
  withStorage(storage: StorageFacade<string>): this {
    this.storage = storage
    return this
  }
  /** Where the SDK keeps the data owner's key pairs. */
  withKeyStorage(keyStorage: KeyStorageFacade): this {
    this.keyStorage = keyStorage
    return this
  }
  /** Key decisions (required): e.g. `new SimpleMedTechCryptoStrategies([{privateKey, publicKey}])`. */
  withCryptoStrategies(strategies: MedTechCryptoStrategies): this {
    this.cryptoStrategies = strategies
    return this
  }
  /**
   * The message gateway (invitations, `authenticationApi`): by default the server's own,
   * `{iCureBaseUrl}/msggw`. Stored and copied by `medTechApi(api)`.
   */
  withMsgGwUrl(url: string | undefined): this {
    this.msgGwUrl = url?.replace(/\/+$/, '')
    return this
  }
  /** The application (`specId`) of the gateway: needed to invite users and for `authenticationApi`. */
  withMsgGwSpecId(specId: string | undefined): this {
    this.msgGwSpecId = specId
    return this
  }
  /** The process sending codes by email (`authenticationApi`; this or the SMS process enables it). */
  withAuthProcessByEmailId(id: string): this {
    this.authProcessByEmailId = id
    return this
  }
  /** The process sending codes by SMS (`authenticationApi`). */
  withAuthProcessBySmsId(id: string): this {
    this.authProcessBySmsId = id
    return this
  }

  /**
   * Called once per entity a list leaves out because it does not verify or its content is withheld
   * (protocol v2 strict decryption). Default: one console warning per entity.
   */
  withIntegrityFailureHandler(handler: IntegrityFailureHandler): this {
    this.integrityFailureHandler = handler
    return this
  }

  /**
   * A recovery key (Cairn extension, docs/protocol.md "Recovery key"): when this device lacks private
   * keys the data owner has published (a new device, a lost one), `build()` fetches the recovery data
   * with this code and restores them before the crypto strategies are asked, instead of taking the
   * lost-key path. A mistyped code makes `build()` reject before any request ("This is not a valid
   * recovery key: ... check the characters"); a wrong one rejects with the server's 403 (attempts are
   * counted and slowed down). The code is used by this builder's next `build()` only: it is not kept
   * in the API nor copied by `medTechApi(api)`.
   */
  withRecoveryKey(code: string): this {
    this.recoveryCode = code
    return this
  }

  /** Copies every setting of an existing API (MedTech quirk 3 fixed: nothing is dropped). */
  static from(api: MedTechApi): MedTechApiBuilder {
    // A disposed API has no credentials left to copy (Cairn extension `dispose()`).
    if (api.disposed) throw disposedError()
    const s = api.settings
    const b = new MedTechApiBuilder()
      .withICureBaseUrl(s.baseUrl)
      .withUserName(s.username)
      .withPassword(s.password)
      .withStorage(s.storage)
      .withKeyStorage(s.keyStorage)
      .withCryptoStrategies(s.cryptoStrategies)
    if (s.crypto) b.withCrypto(s.crypto)
    b.withMsgGwUrl(s.msgGwUrl).withMsgGwSpecId(s.msgGwSpecId)
    if (s.authProcessByEmailId) b.withAuthProcessByEmailId(s.authProcessByEmailId)
    if (s.authProcessBySmsId) b.withAuthProcessBySmsId(s.authProcessBySmsId)
    if (s.integrityFailureHandler) b.withIntegrityFailureHandler(s.integrityFailureHandler)
    return b
  }

  /** A safe summary for logs and JSON: the base URL and user name, never the password or keys. */
  toJSON(): { baseUrl: string; username?: string } {
    return { baseUrl: this.baseUrl, username: this.userName }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the safe summary of {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect?: (value: unknown, options: object) => string,
  ): unknown {
    return inspect ? `MedTechApiBuilder ${inspect(this.toJSON(), options)}` : this.toJSON()
  }

  /** Logs in and initialises keys; rejects with a clear message on missing settings, bad credentials or key problems. */
  async build(): Promise<MedTechApi> {
    if (!this.baseUrl) throw new SdkError('BAD_REQUEST', 'iCureBaseUrl is required')
    if (!this.userName) throw new SdkError('BAD_REQUEST', 'userName is required')
    if (!this.password) throw new SdkError('BAD_REQUEST', 'password is required')
    if (!this.cryptoStrategies) throw new SdkError('BAD_REQUEST', 'cryptoStrategies is required')
    const strategies = this.cryptoStrategies
    // Checked before any request: a mistyped recovery code costs no attempt.
    const recoverySecret =
      this.recoveryCode === undefined ? undefined : await readRecoveryCode(this.recoveryCode)
    const storage = this.storage ?? new LocalStorageImpl()
    if (!this.storage && !(globalThis as { localStorage?: unknown }).localStorage) {
      // Node without a StorageFacade: pins, rollback and creation memories last as long as the process.
      console.warn(
        '[cairn] No StorageFacade given and no localStorage here: the public keys pinned for other data owners, ' +
          'and the memory of created and seen entities, are kept in memory and forgotten when this process exits. ' +
          'Pass withStorage(...) with a persistent storage to keep key pinning across restarts.',
      )
    }
    const keyStorage =
      this.keyStorage ??
      ((globalThis as { indexedDB?: IDBFactory }).indexedDB
        ? new IndexedDbKeyStorage({ migrateFrom: new KeyStorageImpl(storage) })
        : new KeyStorageImpl(storage))
    const http = new HttpClient(this.baseUrl, { username: this.userName, password: this.password })
    await http.login()
    try {
      return await this.open(http, strategies, storage, keyStorage, recoverySecret)
    } catch (e) {
      // No session left behind by a build that failed (keys not on this device, a refused recovery key).
      await http.dispose().catch(() => undefined)
      throw e
    }
  }

  /** The rest of {@link build}, once logged in: the user, its data owner and its keys. */
  private async open(
    http: HttpClient,
    strategies: MedTechCryptoStrategies,
    storage: StorageFacade<string>,
    keyStorage: KeyStorageFacade,
    recoverySecret: Awaited<ReturnType<typeof readRecoveryCode>> | undefined,
  ): Promise<MedTechApi> {
    const user = userFromDto(await http.call(ROUTES.currentUser, {}))
    const dataOwnerKeys = new DataOwnerKeys(http)
    const settings = {
      baseUrl: this.baseUrl,
      // Checked by build().
      username: this.userName!,
      password: this.password!,
      storage,
      keyStorage,
      cryptoStrategies: strategies,
      crypto: this.crypto,
      msgGwUrl: this.msgGwUrl,
      msgGwSpecId: this.msgGwSpecId,
      authProcessByEmailId: this.authProcessByEmailId,
      authProcessBySmsId: this.authProcessBySmsId,
      integrityFailureHandler: this.integrityFailureHandler,
    }
    const reportIntegrity = this.integrityFailureHandler ?? warnOncePerEntity()
    const selfId = user.healthcarePartyId ?? user.patientId ?? user.deviceId
    if (!selfId) return new MedTechApi({ http, user, dataOwnerKeys, reportIntegrity }, settings)

    const current = await http.call(ROUTES.currentDataOwner, {})
    const { keys, self, lost } = await initialiseOwnKeys({
      http,
      self: current,
      selfModel: await dataOwnerFromDto(current),
      strategies,
      keyStorage,
      storage,
      recover: recoverySecret
        ? async () =>
            (
              await openRecoveryData(http, selfId, recoverySecret, publishedKeysOf(current.dataOwner), (m) =>
                console.warn(`[cairn] ${m}`),
              )
            ).map((pair) => pair.hex)
        : undefined,
    })
    const keyTrust = new KeyTrust(selfId, keys, dataOwnerKeys, strategies, storage)
    // Lost-key path: the keys published before still verify the records they signed (read only).
    await keyTrust.rememberPreviousOwnKeys(lost)
    const exchangeKeys = new ExchangeKeyManager(http, selfId, keys, keyTrust)
    const crypto = new EntityCrypto(selfId, exchangeKeys, storage)
    if (self.type === 'Patient') {
      const update = await ownPatientRecordUpdate(crypto, self.dataOwner as unknown as EncryptedEntityDto)
      if (update) await http.call(ENTITY_ROUTES.patient.modify, { body: update })
    }
    const ctx: ApiContext = {
      http,
      user,
      selfId,
      crypto,
      exchangeKeys,
      dataOwnerKeys,
      keyTrust,
      ownKeys: keys,
      keyStorage,
      storage,
      reportIntegrity,
    }
    const api = new MedTechApi(ctx, settings)
    if (lost.length > 0) api.accessBackRequests = await this.askForAccessBack(api, http, self, keys)
    return api
  }

  /**
   * Lost-key path (MedTech §7): one KEY_PAIR_UPDATE notification for each counterpart, so that it
   * gives the new key access back. Failures are reported on the API and in a warning, never thrown:
   * the new key is published, and the user must be able to work (and ask again) meanwhile.
   */
  private async askForAccessBack(
    api: MedTechApi,
    http: HttpClient,
    self: DataOwnerWithTypeDto,
    keys: readonly KeyPairHandle[],
  ): Promise<AccessBackRequests> {
    const selfId = self.dataOwner.id
    let requests: AccessBackRequests
    try {
      requests = await askForAccessBack({
        http,
        selfId,
        selfType: self.type,
        newPublicKey: keys[keys.length - 1].publicKeyHex,
        create: (n, delegate) => api.notificationApi.createFor(n, [delegate]),
      })
    } catch (e) {
      requests = {
        notified: [],
        failed: [{ dataOwnerId: '*', reason: e instanceof Error ? e.message : String(e) }],
      }
    }
    if (requests.failed.length > 0)
      console.warn(
        `[cairn] Data owner ${selfId} has a new key pair, but could not ask ${requests.failed.length} data owner(s) ` +
          `to give access back: ${requests.failed.map((f) => `${f.dataOwnerId} (${f.reason})`).join('; ')}`,
      )
    return requests
  }
}

/** A new builder, or one pre-filled with every setting of an existing API. */
export function medTechApi(api?: MedTechApi): MedTechApiBuilder {
  return api ? MedTechApiBuilder.from(api) : new MedTechApiBuilder()
}
