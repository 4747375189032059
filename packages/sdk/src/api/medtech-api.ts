import type { ApiContext } from './api-context.ts'
import { PatientApi } from './patient-api.ts'
import { DataSampleApi } from './data-sample-api.ts'
import { HealthcareElementApi } from './healthcare-element-api.ts'
import { HealthcareProfessionalApi } from './healthcare-professional-api.ts'
import { MedicalDeviceApi } from './medical-device-api.ts'
import { UserApi } from './user-api.ts'
import { DataOwnerApi } from './data-owner-api.ts'
import type { MedTechCryptoStrategies } from '../crypto/medtech-crypto-strategies.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'

/** Settings a MedTechApi was built with (copied by `medTechApi(api)`). */
export interface MedTechApiSettings {
  baseUrl: string
  username: string
  password: string
  storage: StorageFacade<string>
  keyStorage: KeyStorageFacade
  cryptoStrategies: MedTechCryptoStrategies
  crypto?: Crypto
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

  /** @internal */
  constructor(
    private readonly ctx: ApiContext,
    /** @internal */ readonly settings: MedTechApiSettings,
  ) {
    this.patientApi = new PatientApi(ctx)
    this.dataSampleApi = new DataSampleApi(ctx, this.patientApi)
    this.healthcareElementApi = new HealthcareElementApi(ctx, this.patientApi)
    this.healthcareProfessionalApi = new HealthcareProfessionalApi(ctx)
    this.medicalDeviceApi = new MedicalDeviceApi(ctx)
    this.userApi = new UserApi(ctx)
    this.dataOwnerApi = new DataOwnerApi(ctx, this.patientApi)
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

  /** Crypto helpers used by MedTech code samples, and cache control. */
  get cryptoApi() {
    return {
      primitives: {
        crypto: this.settings.crypto ?? globalThis.crypto,
        randomUuid: (): string => globalThis.crypto.randomUUID(),
        sha256: async (data: ArrayBuffer | Uint8Array): Promise<ArrayBuffer> =>
          globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>),
      },
      forceReload: () => this.forceReload(),
      emptyHcpCache: (_id?: string) => this.ctx.exchangeKeys?.clear(),
    }
  }

  /**
   * Clears the exchange-key and public-key caches, so that keys created or shared since they were
   * loaded are fetched again.
   */
  async forceReload(): Promise<void> {
    this.ctx.exchangeKeys?.clear()
    this.ctx.dataOwnerKeys.clear()
  }
}
