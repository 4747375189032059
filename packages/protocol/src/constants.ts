/** Default TCP port of the Cairn server (the MedTech "free" URL uses it too). */
export const DEFAULT_PORT = 16043

/** Prefix of every API route; the SDK appends it to the base URL it is given. */
export const API_PREFIX = '/rest/v1'

/** Default and maximum page sizes of filter endpoints. */
export const DEFAULT_PAGE_SIZE = 1000
export const MAX_PAGE_SIZE = 5000

/**
 * Largest number of entities accepted in one batch request. Measured with `npm run bench:body`
 * (docs/limits.md): 100 realistic encrypted samples (about 3.5 kB each, 350 KiB) cost the server
 * about 45 ms of CPU in all (parse, validation, service, SQLite write) on a 2-core machine, 1,000
 * about 370 ms, during which no other request is served. The SDK splits larger sets into batches.
 */
export const MAX_BATCH_SIZE = 100

/**
 * Default largest request body in bytes (512 KiB; the server's CAIRN_BODY_LIMIT overrides it). Parsing
 * the worst body of this size (hundreds of thousands of tiny JSON values in a free-form field) takes
 * about 30 ms, twice the size about 70 ms (docs/limits.md), so one request cannot hold up the others
 * for long. It also bounds one entity: large payloads will go through attachments. The SDK cuts its
 * batches to stay within it.
 */
export const DEFAULT_BODY_LIMIT = 512 * 1024

/**
 * Longest `encryptedSelf` (characters of base64): an entity must fit in one request of the default
 * body limit with its metadata. Larger content will go through attachments.
 */
export const MAX_ENCRYPTED_SELF_LENGTH = 500 * 1024

/**
 * Most data owners an encrypted entity is shared with: the keys of each delegation map
 * (`delegations`, `encryptionKeys`, `cryptedForeignKeys`) and of the seal's writer proofs, which hold
 * one entry per data owner with access. 200 covers a patient followed by a whole hospital ward; each
 * delegate costs about 300 bytes of entries per map, so 200 of them already fill an eighth of the
 * default body limit.
 */
export const MAX_DELEGATES = 200

/**
 * Most RSA entries of one exchange key (`encryptedKey`, `recipients`): one per public key of either
 * party, and a data owner rotates its keys rarely (docs/protocol.md, key rotation).
 */
export const MAX_EXCHANGE_KEY_RECIPIENTS = 100

/**
 * Most values in one list of a filter (ids, secret foreign keys): each value is a short string, so a
 * thousand of them stay far below the body limit and are answered by one indexed query.
 */
export const MAX_FILTER_VALUES = 1000

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

/**
 * Most ids a match request answers (`POST <path>/match`): enough for every record of a large
 * practice, small enough that the answer (~4 MB of UUIDs) never strains client or server. A filter
 * matching more is answered 400 and is paged through the filter route instead.
 */
export const MAX_MATCH_IDS = 100_000
