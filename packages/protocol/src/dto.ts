import { Type, type Static, type TSchema } from '@sinclair/typebox'
import {
  composedFilterSchema,
  type ComplementOf,
  type IntersectionOf,
  type UnionOf,
} from './composed-filter.ts'
import {
  MAX_BATCH_SIZE,
  MAX_DELEGATES,
  MAX_ENCRYPTED_SELF_LENGTH,
  MAX_EXCHANGE_KEY_RECIPIENTS,
  MAX_FILTER_VALUES,
  MAX_PAGE_SIZE,
  SHARED_DATA_TYPES,
} from './constants.ts'

/**
 * Wire DTOs and their JSON schemas (TypeBox): the server validates requests and serialises responses
 * with them and publishes them in its OpenAPI document; the SDK uses the static types. Schemas with
 * an `$id` are named OpenAPI components; routes refer to them with `ref()`.
 */

/** A reference to a named schema, typed as the schema it names (the server registers every named schema). */
export function ref<T extends TSchema>(schema: T): ReturnType<typeof Type.Unsafe<Static<T>>> {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id))
}

const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'UUID, chosen by the client',
})
/** Identifier of a data owner or user (UUID). */
export const IdSchema = Uuid

/** Short string for ids used as map keys and fingerprints: bounded to stop abuse. */
const Key = Type.String({ minLength: 1, maxLength: 200 })

/**
 * Bounds of a map (`Type.Record`) with `Key`-like keys and at most `max` of them. TypeBox turns a
 * record into `patternProperties`, which drops the key schema's own bounds: `propertyNames` puts them
 * back (Ajv checks it; the OpenAPI document leaves it out, see app.ts), and `maxProperties` bounds the
 * number of keys, which no body limit does cheaply (thousands of tiny keys fit in 512 KiB).
 */
function mapBounds(max: number, keyMaxLength = 200) {
  return { maxProperties: max, propertyNames: { minLength: 1, maxLength: keyMaxLength } }
}

/** A wrapped value: base64 of IV ‖ AES-GCM ciphertext ‖ tag, under the exchange key owner->delegatedTo. */
export const DelegationSchema = Type.Object(
  {
    owner: Key,
    delegatedTo: Key,
    key: Type.String({ minLength: 1, maxLength: 4096 }),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
)
export type DelegationDto = Static<typeof DelegationSchema>

/** Entries by delegate: one key per data owner with access, so at most MAX_DELEGATES keys. */
const DelegationMap = Type.Record(
  Type.String({ minLength: 1, maxLength: 200 }),
  Type.Array(DelegationSchema, { maxItems: 50 }),
  mapBounds(MAX_DELEGATES),
)
export type DelegationMapDto = Record<string, DelegationDto[]>

/**
 * Protocol v2 seal of one revision of an encrypted entity (docs/protocol.md "Entity seal"): made and
 * checked by clients only; the server stores it as it is.
 */
export const SealSchema = Type.Object(
  {
    v: Type.Integer({ minimum: 1, maximum: 255 }),
    seq: Type.Integer({ minimum: 1 }),
    creator: Key,
    writer: Key,
    commitment: Type.String({ minLength: 1, maxLength: 100 }),
    tag: Type.String({ minLength: 1, maxLength: 100 }),
    proofs: Type.Record(
      Type.String({ minLength: 1, maxLength: 200 }),
      Type.String({ maxLength: 100 }),
      mapBounds(MAX_DELEGATES),
    ),
  },
  { additionalProperties: false },
)
export type SealDto = Static<typeof SealSchema>

/**
 * A signed statement of a data owner about one of its own public keys (protocol v2): `key-add` (a
 * key already trusted vouches for a new one: rotation) or `key-revoke`. Append-only on the server.
 */
export const KeyStatementSchema = Type.Object(
  {
    statement: Type.Union([Type.Literal('key-add'), Type.Literal('key-revoke')]),
    fingerprint: Type.String({ minLength: 1, maxLength: 64 }),
    signerFingerprint: Type.String({ minLength: 1, maxLength: 64 }),
    signature: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
)
export type KeyStatementDto = Static<typeof KeyStatementSchema>

const KeyStatements = Type.Optional(Type.Array(KeyStatementSchema, { maxItems: 100 }))

/** Crypto bookkeeping of an encrypted entity (docs/protocol.md: entity key, secret ids, parent link). */
export const EncryptionMetaSchema = Type.Object(
  {
    secretForeignKeys: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50 }),
    cryptedForeignKeys: DelegationMap,
    delegations: DelegationMap,
    encryptionKeys: DelegationMap,
    encryptedSelf: Type.Optional(Type.String({ maxLength: MAX_ENCRYPTED_SELF_LENGTH })),
    seal: Type.Optional(SealSchema),
    // Data-owner key fields, only on patients (a patient is both an entity and a data owner).
    publicKey: Type.Optional(Type.String({ maxLength: 4096 })),
    publicKeysForOaepWithSha256: Type.Optional(
      Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 50 }),
    ),
    keyStatements: KeyStatements,
  },
  { additionalProperties: true },
)
export type EncryptionMetaDto = Static<typeof EncryptionMetaSchema>

/** Fields every stored document carries; `rev`, `created`, `modified`, `author`, `responsible` are set by the server. */
const BaseFields = {
  id: Uuid,
  rev: Type.Optional(Type.String({ maxLength: 100 })),
  created: Type.Optional(Type.Number()),
  modified: Type.Optional(Type.Number()),
  author: Type.Optional(Type.String({ maxLength: 200 })),
  responsible: Type.Optional(Type.String({ maxLength: 200 })),
  deletionDate: Type.Optional(Type.Number()),
}

/**
 * An encrypted entity on the wire: clear fields the server may index, plus `systemMetaData`.
 * Entity-specific clear fields are free-form (`additionalProperties`); the encrypted ones only
 * exist inside `systemMetaData.encryptedSelf`.
 */
export const EncryptedEntitySchema = Type.Object(
  { ...BaseFields, systemMetaData: EncryptionMetaSchema },
  { $id: 'EncryptedEntity', additionalProperties: true },
)
export type EncryptedEntityDto = Static<typeof EncryptedEntitySchema> & Record<string, unknown>

/** Batch of encrypted entities (create or modify many in one transaction). */
export const EncryptedEntityBatchSchema = Type.Array(ref(EncryptedEntitySchema), {
  minItems: 1,
  maxItems: MAX_BATCH_SIZE,
})

/** Key fields of a data owner that is not an encrypted entity (healthcare professional, device). */
export const OwnerMetaSchema = Type.Object(
  {
    publicKey: Type.Optional(Type.String({ maxLength: 4096 })),
    publicKeysForOaepWithSha256: Type.Optional(
      Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 50 }),
    ),
    keyStatements: KeyStatements,
  },
  { additionalProperties: true },
)

/** A healthcare professional or a medical device document. */
export const DataOwnerDocSchema = Type.Object(
  { ...BaseFields, systemMetaData: Type.Optional(OwnerMetaSchema) },
  { $id: 'DataOwnerDoc', additionalProperties: true },
)
export type DataOwnerDocDto = Static<typeof DataOwnerDocSchema> & Record<string, unknown>

/** Batch of professional or device records (create or modify many in one transaction). */
export const DataOwnerDocBatchSchema = Type.Array(ref(DataOwnerDocSchema), {
  minItems: 1,
  maxItems: MAX_BATCH_SIZE,
})

/**
 * `GET /dataowner/{id}` answer. A patient the caller cannot access comes back with its key fields
 * only; a deleted data owner as its tombstone (id, rev, dates, `deletionDate` and its public keys, so
 * that what it signed still verifies).
 */
export const DataOwnerWithTypeSchema = Type.Object(
  {
    type: Type.Union([
      Type.Literal('HealthcareProfessional'),
      Type.Literal('Patient'),
      Type.Literal('MedicalDevice'),
    ]),
    dataOwner: Type.Object(
      {
        id: Type.String(),
        rev: Type.Optional(Type.String()),
        systemMetaData: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: true },
    ),
  },
  { $id: 'DataOwnerWithType', additionalProperties: false },
)
export type DataOwnerWithTypeDto = {
  type: 'HealthcareProfessional' | 'Patient' | 'MedicalDevice'
  dataOwner: Record<string, unknown> & { id: string; rev?: string; systemMetaData?: Record<string, unknown> }
}

/** Metadata of a long-lived token (the secret itself is never returned after creation). */
const AuthenticationTokenSchema = Type.Object({ creationTime: Type.Number(), validity: Type.Number() })
export type AuthenticationTokenDto = Static<typeof AuthenticationTokenSchema>

/** Most roles and properties of a user (MedTech lists; a handful in practice). */
const MAX_USER_ROLES = 50
const MAX_USER_PROPERTIES = 200
/** Most data owners of one kind of automatic sharing. */
const MAX_SHARING_DELEGATES = 1000
/**
 * Keys of `sharingDataWith`: the kinds of shared data, plus the `administrativeInformation` alias a
 * MedTech app may still send (it is stored under `administrativeData`).
 */
const SHARING_KINDS = SHARED_DATA_TYPES.length + 1

/**
 * A user as the server returns it (never any hash). The user itself, its managers and admins get
 * every field; other healthcare professionals get the directory fields only (id, name, the linked
 * data owner id, status), without login, contact details, roles, properties, sharing lists or
 * tokens (docs/access.md).
 */
export const UserSchema = Type.Object(
  {
    id: Type.String(),
    rev: Type.Optional(Type.String()),
    created: Type.Optional(Type.Number()),
    name: Type.Optional(Type.String()),
    login: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    mobilePhone: Type.Optional(Type.String()),
    healthcarePartyId: Type.Optional(Type.String()),
    patientId: Type.Optional(Type.String()),
    deviceId: Type.Optional(Type.String()),
    // Absent from the directory view (see above).
    roles: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_USER_ROLES })),
    properties: Type.Optional(Type.Array(Type.Unknown(), { maxItems: MAX_USER_PROPERTIES })),
    sharingDataWith: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Array(Type.String(), { maxItems: MAX_SHARING_DELEGATES }),
        mapBounds(SHARING_KINDS),
      ),
    ),
    authenticationTokens: Type.Optional(Type.Record(Type.String(), AuthenticationTokenSchema)),
    status: Type.Optional(Type.Union([Type.Literal('ACTIVE'), Type.Literal('DISABLED')])),
  },
  { $id: 'User', additionalProperties: true },
)
/** A user as the wire carries it: every field, or the directory fields only. */
export type UserViewDto = Static<typeof UserSchema>
/** A whole user, as stored, and as the user itself, its managers and admins see it. */
export type UserDto = UserViewDto & {
  roles: string[]
  properties: unknown[]
  sharingDataWith: Record<string, string[]>
  authenticationTokens: Record<string, AuthenticationTokenDto>
}

/** Create or modify a user. `passwordHash` (MedTech name) or `password` carries a clear password that the server hashes. */
export const UserWriteSchema = Type.Object(
  {
    id: Uuid,
    rev: Type.Optional(Type.String({ maxLength: 100 })),
    created: Type.Optional(Type.Number()),
    name: Type.Optional(Type.String({ maxLength: 500 })),
    login: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    mobilePhone: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    passwordHash: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    healthcarePartyId: Type.Optional(Uuid),
    patientId: Type.Optional(Uuid),
    deviceId: Type.Optional(Uuid),
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: MAX_USER_ROLES })),
    properties: Type.Optional(Type.Array(Type.Unknown(), { maxItems: MAX_USER_PROPERTIES })),
    sharingDataWith: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 100 }),
        Type.Array(Uuid, { maxItems: MAX_SHARING_DELEGATES }),
        mapBounds(SHARING_KINDS, 100),
      ),
    ),
    status: Type.Optional(Type.Union([Type.Literal('ACTIVE'), Type.Literal('DISABLED')])),
  },
  { $id: 'UserWrite', additionalProperties: true },
)
export type UserWriteDto = Static<typeof UserWriteSchema>

/** Adds data owners to, or removes them from, the caller's automatic sharing of one kind. */
export const SharingChangeSchema = Type.Object(
  {
    dataOwnerIds: Type.Array(Uuid, { minItems: 1, maxItems: MAX_SHARING_DELEGATES }),
    type: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { $id: 'SharingChange', additionalProperties: false },
)
export type SharingChangeDto = Static<typeof SharingChangeSchema>

/** `POST /user/{id}/token`: validity in seconds. */
export const CreateTokenSchema = Type.Object(
  { validity: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 * 365 * 24 * 3600 })) },
  { $id: 'CreateToken', additionalProperties: false },
)

/** A new long-lived token `<tokenId>.<secret>`, shown once. */
export const TokenSchema = Type.Object(
  { token: Type.String() },
  { $id: 'Token', additionalProperties: false },
)

/** Metadata of one long-lived token of a user (its secret is shown once, at creation, and never again). */
export const TokenInfoSchema = Type.Object(
  {
    tokenId: Type.String(),
    /** Epoch ms. */
    creationTime: Type.Number(),
    /** Seconds from `creationTime`. */
    validity: Type.Number(),
  },
  { $id: 'TokenInfo', additionalProperties: false },
)
export type TokenInfoDto = Static<typeof TokenInfoSchema>

/** Path parameters of one token of a user. */
export const TokenParamsSchema = Type.Object({ id: Uuid, tokenId: Uuid })

/** Path parameter of `GET /user/byEmail/{email}`. */
export const EmailParamsSchema = Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }) })

/** Answer of `DELETE /user/{id}`: the rev of the deletion (MedTech `deleteUser` returns it). */
export const UserDeletionSchema = Type.Object(
  { id: Type.String(), rev: Type.String() },
  { $id: 'UserDeletion', additionalProperties: false },
)
export type UserDeletionDto = Static<typeof UserDeletionSchema>

/**
 * One deleted record (patient, data sample, healthcare element, professional, device): its id and the
 * rev of the tombstone it left. MedTech's delete methods answer the id (patients, data samples) or
 * the rev (the others); the SDK picks what each returns.
 */
export const DeletionSchema = Type.Object(
  { id: Type.String(), rev: Type.String() },
  { $id: 'Deletion', additionalProperties: false },
)
export type DeletionDto = Static<typeof DeletionSchema>

/** Body of `POST <path>/delete/batch`: the ids to delete, all of them or none (one transaction). */
export const DeleteBatchSchema = Type.Object(
  { ids: Type.Array(Uuid, { minItems: 1, maxItems: MAX_BATCH_SIZE }) },
  { $id: 'DeleteBatch', additionalProperties: false },
)
export type DeleteBatchDto = Static<typeof DeleteBatchSchema>

/*
 * User filters, with the MedTech names (docs/medtech-api.md §4.2). They live here rather than in
 * filters.ts because they select users, not encrypted entities: the filter registry never sees them.
 */
const UserFilterDescription = Type.Optional(Type.String({ maxLength: 1000 }))

/** Every user the caller may see. */
export const AllUsersFilterSchema = Type.Object(
  { $type: Type.Literal('AllUsersFilter'), description: UserFilterDescription },
  { $id: 'AllUsersFilter', additionalProperties: false },
)
/** The users among these ids that the caller may see. */
export const UserByIdsFilterSchema = Type.Object(
  {
    $type: Type.Literal('UserByIdsFilter'),
    description: UserFilterDescription,
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: MAX_FILTER_VALUES }),
  },
  { $id: 'UserByIdsFilter', additionalProperties: false },
)
/** The user acting as this patient (at most one), if the caller may see it. */
export const UsersByPatientIdFilterSchema = Type.Object(
  {
    $type: Type.Literal('UsersByPatientIdFilter'),
    description: UserFilterDescription,
    patientId: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { $id: 'UsersByPatientIdFilter', additionalProperties: false },
)
/**
 * A user filter: one of the three, or a union, intersection or complement of user filters (recursive,
 * like the filters of filters.ts; at most 50 filters per composition).
 */
export const UserFilterSchema = composedFilterSchema('UserFilter', [
  'AllUsersFilter',
  'UserByIdsFilter',
  'UsersByPatientIdFilter',
])
export type AllUsersFilterDto = Static<typeof AllUsersFilterSchema>
export type UserByIdsFilterDto = Static<typeof UserByIdsFilterSchema>
export type UsersByPatientIdFilterDto = Static<typeof UsersByPatientIdFilterSchema>
/** Every user filter the server understands. */
export type UserFilterDto =
  | AllUsersFilterDto
  | UserByIdsFilterDto
  | UsersByPatientIdFilterDto
  | UnionOf<UserFilterDto>
  | IntersectionOf<UserFilterDto>
  | ComplementOf<UserFilterDto>

/** Body of `POST /user/filter` and `POST /user/match`. */
export const UserFilterRequestSchema = Type.Unsafe<{ filter: UserFilterDto }>(
  Type.Object({ filter: ref(UserFilterSchema) }, { $id: 'UserFilterRequest', additionalProperties: false }),
)

/** One keyset page of users (MedTech `PaginatedList` shape); `totalSize` counts every match. */
export const UserPageSchema = Type.Object(
  {
    pageSize: Type.Integer(),
    totalSize: Type.Integer(),
    rows: Type.Array(ref(UserSchema), { maxItems: MAX_PAGE_SIZE }),
    nextKeyPair: Type.Object({
      startKey: Type.Optional(Type.Unknown()),
      startKeyDocId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'UserPage' },
)

/**
 * `POST /hcparty/withUser`: a healthcare professional and its user, created together in one
 * transaction (both or neither). `user.healthcarePartyId` may be left out: it is the new record's id.
 */
export const HealthcareProfessionalWithUserSchema = Type.Object(
  { healthcareProfessional: ref(DataOwnerDocSchema), user: ref(UserWriteSchema) },
  { $id: 'HealthcareProfessionalWithUser', additionalProperties: false },
)
export type HealthcareProfessionalWithUserDto = Static<typeof HealthcareProfessionalWithUserSchema>

/** Answer of `POST /hcparty/withUser`: both records as stored. */
export const CreatedHealthcareProfessionalWithUserSchema = Type.Object(
  { healthcareProfessional: ref(DataOwnerDocSchema), user: ref(UserSchema) },
  { $id: 'CreatedHealthcareProfessionalWithUser', additionalProperties: false },
)

export const LoginSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { $id: 'Login', additionalProperties: false },
)
export type LoginDto = Static<typeof LoginSchema>

export const RefreshSchema = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 4096 }) },
  { $id: 'Refresh', additionalProperties: false },
)

/** `POST /auth/logout`: how many sessions were ended (1, or 0 when it had already ended). */
export const LogoutSchema = Type.Object(
  { sessionsEnded: Type.Integer({ minimum: 0 }) },
  { $id: 'Logout', additionalProperties: false },
)

/** Answer of login and refresh; `expiresIn` is in seconds. */
export const AuthResponseSchema = Type.Object(
  {
    token: Type.String(),
    refreshToken: Type.String(),
    userId: Type.String(),
    expiresIn: Type.Number({ description: 'Seconds until `token` expires' }),
  },
  { $id: 'AuthResponse', additionalProperties: false },
)
export type AuthResponseDto = Static<typeof AuthResponseSchema>

/**
 * An exchange key record (docs/protocol.md): a random AES key K(delegator->delegate) encrypted with
 * RSA for each public key (by fingerprint) of both parties, and signed by the delegator.
 */
export const ExchangeKeySchema = Type.Object(
  {
    id: Uuid,
    rev: Type.Optional(Type.String({ maxLength: 100 })),
    created: Type.Optional(Type.Number()),
    /** Protocol version of the record (2); absent on v1 records, which clients refuse. */
    v: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
    delegator: Uuid,
    delegate: Uuid,
    /** Creation time signed by the delegator (its clock, ms). */
    keyCreated: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Fingerprints the key was encrypted for at creation, sorted and signed. */
    recipients: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_EXCHANGE_KEY_RECIPIENTS }),
    ),
    encryptedKey: Type.Record(
      Type.String({ minLength: 1, maxLength: 64 }),
      Type.String({ minLength: 1, maxLength: 4096 }),
      mapBounds(MAX_EXCHANGE_KEY_RECIPIENTS, 64),
    ),
    signature: Type.String({ minLength: 1, maxLength: 4096 }),
    signerFingerprint: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { $id: 'ExchangeKey', additionalProperties: false },
)
export type ExchangeKeyDto = Static<typeof ExchangeKeySchema>

/** New RSA entries for an existing exchange key (give access back to a new key of one of the pair). */
export const ExchangeKeyRecipientsSchema = Type.Object(
  {
    encryptedKey: Type.Record(
      Type.String({ minLength: 1, maxLength: 64 }),
      Type.String({ minLength: 1, maxLength: 4096 }),
      { minProperties: 1, ...mapBounds(20, 64) },
    ),
  },
  { $id: 'ExchangeKeyRecipients', additionalProperties: false },
)
export type ExchangeKeyRecipientsDto = Static<typeof ExchangeKeyRecipientsSchema>

/**
 * A data owner the caller shares exchange keys with, in either direction: whom a data owner that lost
 * its key asks to give access back (KEY_PAIR_UPDATE notifications). No key material, only the pair.
 */
export const ExchangeKeyCounterpartSchema = Type.Object(
  {
    dataOwnerId: Uuid,
    type: Type.Union([
      Type.Literal('HealthcareProfessional'),
      Type.Literal('Patient'),
      Type.Literal('MedicalDevice'),
    ]),
    /** The caller holds exchange keys toward it (it shared with this data owner). */
    outgoing: Type.Boolean(),
    /** This data owner holds exchange keys toward the caller (it shared with the caller). */
    incoming: Type.Boolean(),
  },
  { $id: 'ExchangeKeyCounterpart', additionalProperties: false },
)
export type ExchangeKeyCounterpartDto = Static<typeof ExchangeKeyCounterpartSchema>

/** One page of a filter answer; `nextKeyPair.startKeyDocId` is the id to start the next page from. */
export interface PaginatedListDto<T> {
  pageSize: number
  totalSize: number
  rows: T[]
  nextKeyPair: { startKey?: unknown; startKeyDocId?: string }
}

/** A page of encrypted entities (MedTech `PaginatedList` shape); `totalSize` counts every match. */
export const EncryptedEntityPageSchema = Type.Object(
  {
    pageSize: Type.Integer(),
    totalSize: Type.Integer(),
    rows: Type.Array(ref(EncryptedEntitySchema), { maxItems: MAX_PAGE_SIZE }),
    nextKeyPair: Type.Object({
      startKey: Type.Optional(Type.Unknown()),
      startKeyDocId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'EncryptedEntityPage' },
)

/** A page of professional or device records (`POST /hcparty/filter`, `/device/filter`). */
export const DataOwnerDocPageSchema = Type.Object(
  {
    pageSize: Type.Integer(),
    totalSize: Type.Integer(),
    rows: Type.Array(ref(DataOwnerDocSchema), { maxItems: MAX_PAGE_SIZE }),
    nextKeyPair: Type.Object({
      startKey: Type.Optional(Type.Unknown()),
      startKeyDocId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'DataOwnerDocPage' },
)

/** Query of filter endpoints: keyset pagination. */
export const PageQuerySchema = Type.Object(
  {
    startDocumentId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  },
  { additionalProperties: false },
)

/** Path parameter `{id}` as a UUID. */
export const IdParamsSchema = Type.Object({ id: Uuid })

/** Path parameters of an exchange-key pair. */
export const PairParamsSchema = Type.Object({ delegator: Uuid, delegate: Uuid })

/** Body of every error response. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'One of the closed set of error codes' }),
      message: Type.String(),
    }),
  },
  { $id: 'Error' },
)

/** `GET /health`: liveness (the process answers) and the database dialect; the database is not contacted. */
export const HealthSchema = Type.Object(
  { status: Type.Literal('ok'), database: Type.String() },
  { $id: 'Health', additionalProperties: false },
)

/** `GET /ready`: the database answered a write within the readiness timeout (else a 503 error body). */
export const ReadySchema = Type.Object(
  {
    status: Type.Literal('ready'),
    database: Type.String(),
    /** Time the database took to answer the check, in milliseconds. */
    latencyMs: Type.Number(),
  },
  { $id: 'Ready', additionalProperties: false },
)
