import { HttpClient } from '../http/http-client.ts'
import { MsgGwClient, defaultMsgGwUrl } from '../http/msg-gw-client.ts'
import { SdkError } from '../http/sdk-error.ts'
import type { IntegrityFailureHandler } from '../crypto/integrity-report.ts'
import type { MedTechCryptoStrategies } from '../crypto/medtech-crypto-strategies.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import { formatICureApiUrl } from '../util/format-url.ts'
import { AnonymousMedTechApi } from './anonymous-medtech-api.ts'
import { AuthenticationApi } from './authentication-api.ts'
import { ICURE_CLOUD_URL } from './medtech-api-builder.ts'

/**
 * MedTech `AnonymousMedTechApiBuilder` (medtech-api.md §1.3): the API of someone not logged in yet, to
 * sign up or log in with a code sent by email or SMS, or to accept an invitation. The message gateway
 * is the Cairn server's own (`{iCureBaseUrl}/msggw`) unless `withMsgGwUrl` says otherwise.
 */
export class AnonymousMedTechApiBuilder {
  private baseUrl = ICURE_CLOUD_URL
  private msgGwUrl?: string
  private msgGwSpecId?: string
  private authProcessByEmailId?: string
  private authProcessBySmsId?: string
  private crypto?: Crypto
  private storage?: StorageFacade<string>
  private keyStorage?: KeyStorageFacade
  private cryptoStrategies?: MedTechCryptoStrategies
  private integrityFailureHandler?: IntegrityFailureHandler

  /** Server base URL (`http(s)://host[:port]`, optionally ending in `/rest/v1`); throws if malformed. */
  withICureBaseUrl(url: string): this {
    this.baseUrl = formatICureApiUrl(url)
    return this
  }
  /** The message gateway (default: the server's own, `{iCureBaseUrl}/msggw`). */
  withMsgGwUrl(url: string): this {
    this.msgGwUrl = url?.replace(/\/+$/, '')
    return this
  }
  /** The application (`specId`) whose processes sign users up and in (required). */
  withMsgGwSpecId(specId: string): this {
    this.msgGwSpecId = specId
    return this
  }
  /** The process that sends codes by email (this or the SMS process is required). */
  withAuthProcessByEmailId(id: string): this {
    this.authProcessByEmailId = id
    return this
  }
  /** The process that sends codes by SMS. */
  withAuthProcessBySmsId(id: string): this {
    this.authProcessBySmsId = id
    return this
  }
  /** WebCrypto implementation (defaults to `globalThis.crypto`). */
  withCrypto(crypto: Crypto): this {
    this.crypto = crypto
    return this
  }
  /** Where the SDK keeps small local state (default: localStorage, in memory where there is none). */
  withStorage(storage: StorageFacade<string>): this {
    this.storage = storage
    return this
  }
  /** Where the SDK keeps the user's key pairs once it has them. */
  withKeyStorage(keyStorage: KeyStorageFacade): this {
    this.keyStorage = keyStorage
    return this
  }
  /** Key decisions (required), used at the user's first login: e.g. `new SimpleMedTechCryptoStrategies([])`. */
  withCryptoStrategies(strategies: MedTechCryptoStrategies): this {
    this.cryptoStrategies = strategies
    return this
  }
  /** Passed on to the APIs the authentication builds (see MedTechApiBuilder). */
  withIntegrityFailureHandler(handler: IntegrityFailureHandler): this {
    this.integrityFailureHandler = handler
    return this
  }

  /**
   * The anonymous API; no request is made. Rejects, in this order, without a process id, without a
   * spec id, without crypto strategies (MedTech's messages).
   */
  build(): Promise<AnonymousMedTechApi> {
    if (!this.authProcessByEmailId && !this.authProcessBySmsId)
      return reject('At least one between authProcessIdBySms and authProcessByEmailId is required')
    if (!this.msgGwSpecId) return reject('msgGtwSpecId is required')
    if (!this.cryptoStrategies) return reject('cryptoStrategies is required')
    const msgGwUrl = this.msgGwUrl || defaultMsgGwUrl(this.baseUrl)
    const gateway = new MsgGwClient(msgGwUrl, this.msgGwSpecId, new HttpClient(this.baseUrl))
    const authenticationApi = new AuthenticationApi(gateway, {
      iCureBaseUrl: this.baseUrl,
      msgGwUrl: this.msgGwUrl,
      msgGwSpecId: this.msgGwSpecId,
      authProcessByEmailId: this.authProcessByEmailId,
      authProcessBySmsId: this.authProcessBySmsId,
      crypto: this.crypto,
      storage: this.storage,
      keyStorage: this.keyStorage,
      cryptoStrategies: this.cryptoStrategies,
      integrityFailureHandler: this.integrityFailureHandler,
    })
    return Promise.resolve(
      new AnonymousMedTechApi(authenticationApi, this.baseUrl, msgGwUrl, this.msgGwSpecId),
    )
  }
}

/** A rejected build with MedTech's message, as an SdkError BAD_REQUEST (status 0). */
const reject = (message: string): Promise<never> => Promise.reject(new SdkError('BAD_REQUEST', message))
