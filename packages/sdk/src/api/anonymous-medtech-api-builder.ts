import { notAvailable } from '../http/sdk-error.ts'
import type { MedTechCryptoStrategies } from '../crypto/medtech-crypto-strategies.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'

/**
 * MedTech `AnonymousMedTechApiBuilder` (sign-up and login by email or SMS code). Its settings are
 * accepted so that MedTech code compiles and runs up to `build()`, which rejects with NOT_AVAILABLE
 * until Cairn has the authentication API (docs/compatibility.md).
 */
export class AnonymousMedTechApiBuilder {
  withICureBaseUrl(_url: string): this {
    return this
  }
  withMsgGwUrl(_url: string): this {
    return this
  }
  withMsgGwSpecId(_specId: string): this {
    return this
  }
  withAuthProcessByEmailId(_id: string): this {
    return this
  }
  withAuthProcessBySmsId(_id: string): this {
    return this
  }
  withCrypto(_crypto: Crypto): this {
    return this
  }
  withStorage(_storage: StorageFacade<string>): this {
    return this
  }
  withKeyStorage(_keyStorage: KeyStorageFacade): this {
    return this
  }
  withCryptoStrategies(_strategies: MedTechCryptoStrategies): this {
    return this
  }
  /** Rejects: the anonymous (authentication) API is not available yet. */
  build(): Promise<never> {
    return Promise.reject(notAvailable('AnonymousMedTechApiBuilder.build'))
  }
}
