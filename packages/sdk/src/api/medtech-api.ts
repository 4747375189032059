import type { ApiContext } from './api-context.ts'
import { PatientApi } from './patient-api.ts'
import { DataSampleApi } from './data-sample-api.ts'
import { HealthcareElementApi } from './healthcare-element-api.ts'
import { HealthcareProfessionalApi } from './healthcare-professional-api.ts'
import { MedicalDeviceApi } from './medical-device-api.ts'
import { UserApi } from './user-api.ts'
import { CodingApi } from './coding-api.ts'
import { DataOwnerApi } from './data-owner-api.ts'
import { NotificationApi } from './notification-api.ts'
import { AuditApi } from './audit-api.ts'
import type { MedTechCryptoStrategies } from '../crypto/medtech-crypto-strategies.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import { SdkError } from '../http/sdk-error.ts'
import { MsgGwClient, defaultMsgGwUrl } from '../http/msg-gw-client.ts'
import { exportablePairs } from '../crypto/recovery-key.ts'
import { CryptoApi } from './crypto-api.ts'
import { AuthenticationApi } from './authentication-api.ts'
import type { AccessBackRequests } from './ask-for-access-back.ts'
import type { IntegrityFailureHandler } from '../crypto/integrity-report.ts'

/** Settings a MedTechApi was built with (copied by `medTechApi(api)`). */
export interface MedTechApiSettings {
  baseUrl: string
  username: string
  password: string
  storage: StorageFacade<string>
  keyStorage: KeyStorageFacade
  cryptoStrategies: MedTechCryptoStrategies
  crypto?: Crypto
  /**
   * Message gateway and authentication processes (invitations, sign-up; kept and copied). The gateway
   * is the server's own, `{baseUrl}/msggw`, unless `msgGwUrl` is set.
   */
  msgGwUrl?: string
  msgGwSpecId?: string
  authProcessByEmailId?: string
  authProcessBySmsId?: string
  integrityFailureHandler?: IntegrityFailureHandler
}

/**
 * Gives a settings object a safe JSON and `util.inspect` form (base URL and user name, never the
 * password or keys). Non-enumerable, so copies and spreads of the settings are unaffected.
 */
function redactSettings(settings: MedTechApiSettings): void {
  const summary = () => ({ baseUrl: settings.baseUrl, username: settings.username })
  Object.defineProperties(settings, {
    toJSON: { value: summary, configurable: true },
    [Symbol.for('nodejs.util.inspect.custom')]: {
      value: (_depth: number, options: object, inspect?: (value: unknown, options: object) => string) =>
        inspect ? `MedTechApiSettings ${inspect(summary(), options)}` : summary(),
      configurable: true,
    },
  })
}

/**
 * The API of one logged-in user: one object per entity type, sharing the HTTP client, the user's
 * keys and the exchange-key caches. Built by `medTechApi()...build()`.
 */
export class MedTechApi {
  readonly patientApi: PatientApi
  readonly dataSampleApi: DataSampleApi
  readonly healthcareElementApi: HealthcareElementApi
  readonly healthcareProfessionalApi: HealthcareProfessionalApi
  readonly medicalDeviceApi: MedicalDeviceApi
  readonly userApi: UserApi
  readonly dataOwnerApi: DataOwnerApi
  /**
   * Set when `build()` made a new key pair because the data owner's keys were lost (Cairn extension):
   * the counterparts asked to give access back with a KEY_PAIR_UPDATE notification, and those that
   * could not be asked, with the reason.
   */
  accessBackRequests?: AccessBackRequests
  readonly notificationApi: NotificationApi
  readonly codingApi: CodingApi
  /**
   * The access log (Cairn extension, docs/audit.md): every data owner lists who read, changed, shared
   * or deleted the records it holds (`getAccessLog`); admins list the whole log (`listAuditEntries`).
   */
  readonly auditApi: AuditApi

  /** @internal */
  constructor(
    private readonly ctx: ApiContext,
    /** @internal */ readonly settings: MedTechApiSettings,
  ) {
    redactSettings(settings)
    this.patientApi = new PatientApi(ctx)
    this.dataSampleApi = new DataSampleApi(ctx, this.patientApi)
    this.healthcareElementApi = new HealthcareElementApi(ctx, this.patientApi)
    this.healthcareProfessionalApi = new HealthcareProfessionalApi(ctx)
    this.medicalDeviceApi = new MedicalDeviceApi(ctx)
    this.userApi = new UserApi(ctx, () => this.gateway())
    this.codingApi = new CodingApi(ctx)
    this.notificationApi = new NotificationApi(ctx)
    this.auditApi = new AuditApi(ctx)
    this.dataOwnerApi = new DataOwnerApi(ctx, this.patientApi, (n, delegate) =>
      this.notificationApi.createFor(n, [delegate]),
    )
  }

  private authentication?: AuthenticationApi

  /**
   * MedTech `authenticationApi` (sign-up and login by code, first login of an invited user) with this
   * API's server, message gateway, processes, storage and crypto strategies. Throws MedTech's message
   * without a spec id or without a process id (either one is enough: MedTech quirk 2 fixed).
   */
  get authenticationApi(): AuthenticationApi {
    const s = this.settings
    const gateway = this.gateway()
    if (!gateway || (!s.authProcessByEmailId && !s.authProcessBySmsId))
      throw new SdkError(
        'BAD_REQUEST',
        "authenticationApi couldn't be initialized. Make sure you provided the following arguments : msgGwUrl, msgGwSpecId, and at least one of authProcessByEmailId and authProcessBySMSId",
      )
    this.authentication ??= new AuthenticationApi(gateway, {
      iCureBaseUrl: s.baseUrl,
      msgGwUrl: s.msgGwUrl,
      msgGwSpecId: s.msgGwSpecId,
      authProcessByEmailId: s.authProcessByEmailId,
      authProcessBySmsId: s.authProcessBySmsId,
      crypto: s.crypto,
      storage: s.storage,
      keyStorage: s.keyStorage,
      cryptoStrategies: s.cryptoStrategies,
      integrityFailureHandler: s.integrityFailureHandler,
    })
    return this.authentication
  }

  /** The message gateway of this API's application, with its session; undefined without a spec id. */
  private gateway(): MsgGwClient | undefined {
    const s = this.settings
    if (!s.msgGwSpecId) return undefined
    return new MsgGwClient(s.msgGwUrl || defaultMsgGwUrl(s.baseUrl), s.msgGwSpecId, this.ctx.http)
  }

  /**
   * The data owner's key pairs on this device that can be exported, as hex PKCS#8 / SPKI (those kept
   * only as non-extractable CryptoKeys are left out): what an authentication result gives the app to
   * keep. @internal
   */
  async exportableKeyPairs(): Promise<{ privateKey: string; publicKey: string }[]> {
    const { selfId, ownKeys, keyStorage } = this.ctx
    if (!selfId || !ownKeys || !keyStorage) return []
    const { pairs } = await exportablePairs({
      selfId,
      ownKeys,
      keyStorage,
      strategies: this.settings.cryptoStrategies,
    })
    return pairs
  }

  get iCureBaseUrl(): string {
    return this.settings.baseUrl
  }
  get username(): string {
    return this.settings.username
  }
  get password(): string {
    return this.settings.password
  }
  get storage(): StorageFacade<string> {
    return this.settings.storage
  }
  get keyStorage(): KeyStorageFacade {
    return this.settings.keyStorage
  }
  get cryptoStrategies(): MedTechCryptoStrategies {
    return this.settings.cryptoStrategies
  }

  /**
   * MedTech `cryptoApi`: WebCrypto primitives (`randomUuid`, `sha256`, `RSA`), the crypto metadata of
   * entities (`entities.secretIdsOf`, `owningEntityIdsOf`, `getDataOwnersWithAccessTo`) and cache control.
   */
  get cryptoApi(): CryptoApi {
    return new CryptoApi(
      this.ctx,
      this.settings.crypto ?? globalThis.crypto,
      () => this.forceReload(),
      this.settings.cryptoStrategies,
    )
  }

  /** A safe summary for logs and JSON: base URL, user name and data owner id; never the password, tokens or keys. */
  toJSON(): { baseUrl: string; username: string; dataOwnerId?: string } {
    return { baseUrl: this.settings.baseUrl, username: this.settings.username, dataOwnerId: this.ctx.selfId }
  }

  /** What `console.log` / `util.inspect` show in Node.js: the safe summary of {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect?: (value: unknown, options: object) => string,
  ): unknown {
    return inspect ? `MedTechApi ${inspect(this.toJSON(), options)}` : this.toJSON()
  }

  /**
   * Ends this API's server session (Cairn extension): its refresh token and access tokens stop working
   * at once, on every server instance within a second. The object stays usable: its next call logs
   * in again with the builder's credentials.
   */
  logout(): Promise<void> {
    return this.ctx.http.logout()
  }

  /**
   * The access token of this API's session (Cairn extension), for the server routes the SDK does not
   * cover (administration, health) so that an app opens one session, not two. `renew` exchanges it
   * through the refresh token (or logs in again) after the server refused it, as the SDK's own calls
   * do. A bearer credential: never log it nor keep it anywhere else. Rejects once disposed.
   */
  async sessionToken(renew = false): Promise<string> {
    const token = await this.ctx.http.accessToken(renew)
    if (!token) throw new SdkError('UNAUTHORIZED', 'This API has no session')
    return token
  }

  private wasDisposed = false

  /** Whether {@link dispose} was called: the API then answers every call with an SdkError. */
  get disposed(): boolean {
    return this.wasDisposed
  }

  /**
   * Ends this API's server session and forgets its credentials (Cairn extension): unlike
   * {@link logout}, the object is done for. Every later call, and every call under way that would
   * need to refresh or log in again, rejects with an SdkError ("This API was disposed: sign in
   * again"), so that work still running (a long share, a paged load) cannot open a new session with
   * the password after the user signed out, nor undo a sign-out. `medTechApi(api)` refuses a disposed
   * API. The caches of exchange keys and public keys are cleared too. Calling it again does nothing.
   */
  async dispose(): Promise<void> {
    this.wasDisposed = true
    this.settings.password = ''
    await this.forceReload()
    await this.ctx.http.dispose()
  }

  /**
   * Clears the exchange-key and public-key caches, so that keys created or shared since they were
   * loaded are fetched again.
   */
  forceReload(): Promise<void> {
    this.ctx.exchangeKeys?.clear()
    this.ctx.dataOwnerKeys.clear()
    this.ctx.keyTrust?.clear()
    return Promise.resolve()
  }
}
