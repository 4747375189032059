/** Default TCP port of the Cairn server (the MedTech "free" URL uses it too). */
export const DEFAULT_PORT = 16043

/** Prefix of every API route; the SDK appends it to the base URL it is given. */
export const API_PREFIX = '/rest/v1'

/** Default and maximum page sizes of filter endpoints. */
export const DEFAULT_PAGE_SIZE = 1000
export const MAX_PAGE_SIZE = 5000

/** Largest number of entities accepted in one batch request. */
export const MAX_BATCH_SIZE = 1000

/** Data owner kinds, named as the MedTech `DataOwnerTypeEnum`. */
export const DATA_OWNER_TYPES = ['HealthcareProfessional', 'Patient', 'MedicalDevice'] as const
export type DataOwnerType = (typeof DATA_OWNER_TYPES)[number]

/**
 * Kinds of automatic sharing (MedTech `SharedDataType`). `administrativeInformation` is accepted as an
 * alias of `administrativeData` and normalised to it.
 */
export const SHARED_DATA_TYPES = [
  'all',
  'administrativeData',
  'generalInformation',
  'financialInformation',
  'medicalInformation',
  'sensitiveInformation',
  'confidentialInformation',
] as const
export type SharedDataType = (typeof SHARED_DATA_TYPES)[number]

/** Normalises a shared-data kind, resolving the `administrativeInformation` alias; undefined if unknown. */
export function normaliseSharedDataType(kind: string | undefined): SharedDataType | undefined {
  const k = kind === undefined ? 'all' : kind === 'administrativeInformation' ? 'administrativeData' : kind
  return (SHARED_DATA_TYPES as readonly string[]).includes(k) ? (k as SharedDataType) : undefined
}

/** Role name of administrators. */
export const ADMIN_ROLE = 'ADMIN'
