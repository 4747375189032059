/**
 * @cairn/sdk — the MedTech SDK API over Cairn's end-to-end encrypted protocol. Code written for
 * `@icure/medical-device-sdk` runs by changing its import to `@cairn/sdk`.
 */
export * from './models/index.ts'
export {
  medTechApi,
  MedTechApiBuilder,
  ICURE_CLOUD_URL,
  ICURE_FREE_URL,
  MSG_GW_CLOUD_URL,
} from './api/medtech-api-builder.ts'
export { MedTechApi } from './api/medtech-api.ts'
export type { PatientApi } from './api/patient-api.ts'
export {
  SharingError,
  type SharingResult,
  type SharingStatus,
  type SharingFailure,
  type SharingProgress,
  type SharingPhase,
  type GiveAccessToAllDataOptions,
} from './api/sharing-result.ts'
export type { DataSampleApi } from './api/data-sample-api.ts'
export type { HealthcareElementApi } from './api/healthcare-element-api.ts'
export type { HealthcareProfessionalApi } from './api/healthcare-professional-api.ts'
export type { MedicalDeviceApi } from './api/medical-device-api.ts'
export type { UserApi, UserTokenInfo } from './api/user-api.ts'
export type { CodingApi, CodingImportResult } from './api/coding-api.ts'
export type { DataOwnerApi } from './api/data-owner-api.ts'
export type { NotificationApi } from './api/notification-api.ts'
export type {
  AuditApi,
  AccessLogOptions,
  AllAccessLogOptions,
  AccessLogPage,
  AuditQuery,
  AuditPage,
} from './api/audit-api.ts'
export type { AuditAction } from '@cairn/protocol'
export { keyPairUpdateRequestOf, type KeyPairUpdateRequest } from './api/key-pair-update-request.ts'
export type { CryptoApi, CryptoApiEntity, CryptoApiEntityType, EntityAccessInfo } from './api/crypto-api.ts'
export type { RecoveryKeyStatus } from './api/recovery-keys.ts'
export { MedTechCryptoStrategies, type KeyPair } from './crypto/medtech-crypto-strategies.ts'
export { SimpleMedTechCryptoStrategies } from './crypto/simple-medtech-crypto-strategies.ts'
export type {
  StorageFacade,
  KeyStorageFacade,
  StoredKeyPair,
  JwkKeyPair,
  CryptoKeyPairEntry,
  PrivateCryptoKeys,
} from './storage/storage-facade.ts'
export { LocalStorageImpl } from './storage/local-storage-impl.ts'
export { KeyStorageImpl } from './storage/key-storage-impl.ts'
export { MemoryStorage } from './storage/memory-storage.ts'
export { IndexedDbKeyStorage, type IndexedDbKeyStorageOptions } from './storage/indexed-db-key-storage.ts'
export { FileKeyStorage } from './storage/file-key-storage.ts'
export { SdkError, type SdkErrorCode } from './http/sdk-error.ts'
export type { SubscriptionOptions } from './realtime/subscription-options.ts'
export { IntegrityError } from './crypto/integrity-error.ts'
export type { IntegrityReport, IntegrityFailureHandler } from './crypto/integrity-report.ts'
export type { KeyVerificationContext } from './crypto/medtech-crypto-strategies.ts'
export { AnonymousMedTechApiBuilder } from './api/anonymous-medtech-api-builder.ts'
export { AnonymousMedTechApi } from './api/anonymous-medtech-api.ts'
export type { AuthenticationApi } from './api/authentication-api.ts'
export type {
  EmailMessage,
  SMSMessage,
  MsgGtwMessageFactory,
  EmailMessageFactory,
  SMSMessageFactory,
} from './messaging/message-factory.ts'
export type { AuthenticationProcessBody } from './messaging/authentication-process-body.ts'
export { ICureRegistrationEmail } from './messaging/icure-registration-email.ts'
export { ICureRegistrationSMS } from './messaging/icure-registration-sms.ts'
export { Sanitizer } from './util/sanitizer.ts'
export { NoOpFilter, FilterComposition } from './filter/filter.ts'
export {
  FilterBuilder,
  SortableFilterBuilder,
  DataOwnerFilterBuilder,
  PatientFilter,
  DataSampleFilter,
  HealthcareElementFilter,
  HealthcareProfessionalFilter,
  MedicalDeviceFilter,
  NotificationFilter,
  UserFilter,
  CodingFilter,
} from './filter/filter-dsl.ts'
export { formatICureApiUrl } from './util/format-url.ts'
export {
  ua2hex,
  hex2ua,
  utf8_2ua,
  ua2utf8,
  b64_2uas,
  ua2b64Url,
  b64Url2ua,
  hex2string,
  string2hex,
  generateKeyPairHex,
  rsaOperationCount,
  resetRsaOperationCount,
} from '@cairn/crypto'
