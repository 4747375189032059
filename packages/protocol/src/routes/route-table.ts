import { Type, type TSchema } from '@sinclair/typebox'
import {
  AuthResponseSchema,
  CreateTokenSchema,
  DataOwnerDocSchema,
  DataOwnerDocPageSchema,
  DataOwnerWithTypeSchema,
  EncryptedEntityBatchSchema,
  EncryptedEntityPageSchema,
  EncryptedEntitySchema,
  ExchangeKeySchema,
  ExchangeKeyCounterpartSchema,
  ExchangeKeyRecipientsSchema,
  HealthSchema,
  ReadySchema,
  IdParamsSchema,
  LoginSchema,
  LogoutSchema,
  PageQuerySchema,
  PairParamsSchema,
  RefreshSchema,
  SharingChangeSchema,
  TokenSchema,
  UserSchema,
  UserWriteSchema,
  CreatedHealthcareProfessionalWithUserSchema,
  DataOwnerDocBatchSchema,
  DeleteBatchSchema,
  DeletionSchema,
  EmailParamsSchema,
  HealthcareProfessionalWithUserSchema,
  TokenInfoSchema,
  TokenParamsSchema,
  UserDeletionSchema,
  UserFilterRequestSchema,
  UserPageSchema,
  ref,
} from '../dto.ts'
import { AttachmentBytesSchema, AttachmentInfoSchema, AttachmentParamsSchema } from '../attachment-dto.ts'
import { ENTITY_DESCRIPTORS, type EntityType } from '../entities/entity-descriptors.ts'
import type { EntityDescriptor } from '../entities/entity-descriptor.ts'
import { HealthcareProfessionalFilterSchema, MedicalDeviceFilterSchema, type FilterDto } from '../filters.ts'
import { MAX_MATCH_IDS } from '../constants.ts'
import { defineRoute, type RouteDef } from './route-def.ts'
import { CODING_ROUTES } from './coding-routes.ts'
import { MESSAGING_ADMIN_ROUTES, MSG_GW_ROUTES } from './msg-gw-routes.ts'
import { RECOVERY_KEY_ROUTES } from './recovery-key-routes.ts'
import { AUDIT_ROUTES } from './audit-routes.ts'
import { REALTIME_ROUTES } from './realtime-routes.ts'

/** The routes of one encrypted entity type, derived from its descriptor. */
function encryptedEntityRoutes<const D extends EntityDescriptor>(d: D) {
  const tags = [d.type]
  const entity = ref(EncryptedEntitySchema)
  return {
    create: defineRoute({
      method: 'POST',
      path: d.path,
      operationId: `create${d.name}`,
      summary: `Creates an encrypted ${d.type}; the caller must include a delegation to itself`,
      tags,
      body: entity,
      response: entity,
    }),
    modify: defineRoute({
      method: 'PUT',
      path: d.path,
      operationId: `modify${d.name}`,
      summary: `Modifies or shares a ${d.type} at its current rev (stale rev: 409, nothing saved)`,
      tags,
      body: entity,
      response: entity,
    }),
    createBatch: defineRoute({
      method: 'POST',
      path: `${d.path}/batch`,
      operationId: `create${d.name}Batch`,
      summary: `Creates ${d.type} entities in one transaction (all or nothing)`,
      tags,
      body: EncryptedEntityBatchSchema,
      response: Type.Array(entity),
    }),
    modifyBatch: defineRoute({
      method: 'PUT',
      path: `${d.path}/batch`,
      operationId: `modify${d.name}Batch`,
      summary: `Modifies or shares ${d.type} entities in one transaction (all or nothing)`,
      tags,
      body: EncryptedEntityBatchSchema,
      response: Type.Array(entity),
    }),
    get: defineRoute({
      method: 'GET',
      path: `${d.path}/:id`,
      operationId: `get${d.name}`,
      summary: `A ${d.type} the caller may read`,
      tags,
      params: IdParamsSchema,
      response: entity,
    }),
    delete: defineRoute({
      method: 'DELETE',
      path: `${d.path}/:id`,
      operationId: `delete${d.name}`,
      summary: d.softDelete
        ? `Deletes a ${d.type} the caller is a delegate of, softly: it stays readable with its deletionDate set; answers its id and new rev`
        : `Deletes a ${d.type} the caller is a delegate of, leaving a tombstone without content; answers its id and the tombstone's rev`,
      tags,
      params: IdParamsSchema,
      response: ref(DeletionSchema),
    }),
    deleteBatch: defineRoute({
      method: 'POST',
      path: `${d.path}/delete/batch`,
      operationId: `delete${d.name}Batch`,
      summary: `Deletes ${d.type} entities in one transaction (all or nothing); answers their ids and ${d.softDelete ? 'new' : 'tombstone'} revs`,
      tags,
      body: ref(DeleteBatchSchema),
      response: Type.Array(ref(DeletionSchema)),
    }),
    filter: defineRoute({
      method: 'POST',
      path: `${d.path}/filter`,
      operationId: `filter${d.name}s`,
      summary: `One keyset page of the ${d.type} entities matching a filter, among those the caller may read`,
      tags,
      query: PageQuerySchema,
      body: filterBody(d.filter),
      response: ref(EncryptedEntityPageSchema),
    }),
    match: defineRoute({
      method: 'POST',
      path: `${d.path}/match`,
      operationId: `match${d.name}s`,
      summary: `Ids (in id order) of every ${d.type} matching a filter, among those the caller may read`,
      tags,
      body: filterBody(d.filter),
      response: Type.Array(Type.String(), { maxItems: MAX_MATCH_IDS }),
    }),
  }
}

/** Body of a filter or match route: `{filter}` with a filter of the type (typed as any filter). */
function filterBody(filter: TSchema) {
  return Type.Unsafe<{ filter: FilterDto }>(
    Type.Object({ filter: ref(filter) }, { additionalProperties: false }),
  )
}

/** The routes of one clear data-owner document type (healthcare professionals, devices). */
function dataOwnerDocRoutes<const N extends string>(path: string, name: N, tag: string) {
  const tags = [tag]
  const doc = ref(DataOwnerDocSchema)
  return {
    create: defineRoute({
      method: 'POST',
      path,
      operationId: `create${name}`,
      summary: `Creates a ${tag} (admins and healthcare professionals)`,
      tags,
      body: doc,
      response: doc,
    }),
    modify: defineRoute({
      method: 'PUT',
      path,
      operationId: `modify${name}`,
      summary: `Modifies a ${tag} at its current rev`,
      tags,
      body: doc,
      response: doc,
    }),
    get: defineRoute({
      method: 'GET',
      path: `${path}/:id`,
      operationId: `get${name}`,
      summary: `A ${tag} by id`,
      tags,
      params: IdParamsSchema,
      response: doc,
    }),
    delete: defineRoute({
      method: 'DELETE',
      path: `${path}/:id`,
      operationId: `delete${name}`,
      summary: `Deletes a ${tag} that no user acts as (admins and its responsible professional); its id stays taken and its public keys readable`,
      tags,
      params: IdParamsSchema,
      response: ref(DeletionSchema),
    }),
  }
}

/** Filter and match routes of a clear directory (professionals, devices): every signed-in user searches it. */
function directorySearchRoutes<const N extends string>(path: string, name: N, tag: string, filter: TSchema) {
  const tags = [tag]
  return {
    filter: defineRoute({
      method: 'POST',
      path: `${path}/filter`,
      operationId: `filter${name}s`,
      summary: `One keyset page of the ${tag} records matching a filter (total: every match)`,
      tags,
      query: PageQuerySchema,
      body: filterBody(filter),
      response: ref(DataOwnerDocPageSchema),
    }),
    match: defineRoute({
      method: 'POST',
      path: `${path}/match`,
      operationId: `match${name}s`,
      summary: `Ids (in id order) of every ${tag} record matching a filter`,
      tags,
      body: filterBody(filter),
      response: Type.Array(Type.String(), { maxItems: MAX_MATCH_IDS }),
    }),
  }
}

/** The bulk routes of medical devices (MedTech `createOrModifyMedicalDevices`, `deleteMedicalDevices`). */
function deviceBulkRoutes() {
  const tags = ['medicalDevice']
  const docs = Type.Array(ref(DataOwnerDocSchema))
  return {
    createBatch: defineRoute({
      method: 'POST',
      path: '/device/batch',
      operationId: 'createMedicalDeviceBatch',
      summary: 'Creates medical devices in one transaction (all or nothing)',
      tags,
      body: DataOwnerDocBatchSchema,
      response: docs,
    }),
    modifyBatch: defineRoute({
      method: 'PUT',
      path: '/device/batch',
      operationId: 'modifyMedicalDeviceBatch',
      summary:
        'Modifies medical devices at their current revs in one transaction (a stale rev: 409, nothing saved)',
      tags,
      body: DataOwnerDocBatchSchema,
      response: docs,
    }),
    deleteBatch: defineRoute({
      method: 'POST',
      path: '/device/delete/batch',
      operationId: 'deleteMedicalDeviceBatch',
      summary:
        'Deletes medical devices in one transaction (all or nothing); answers their ids and tombstone revs',
      tags,
      body: ref(DeleteBatchSchema),
      response: Type.Array(ref(DeletionSchema)),
    }),
  }
}

type EntityRouteTable = {
  [T in EntityType]: ReturnType<typeof encryptedEntityRoutes<(typeof ENTITY_DESCRIPTORS)[T]>>
}

/** The routes of every encrypted entity type, keyed by type. */
export const ENTITY_ROUTES = Object.fromEntries(
  Object.entries(ENTITY_DESCRIPTORS).map(([type, d]) => [type, encryptedEntityRoutes(d)]),
) as EntityRouteTable

const user = ref(UserSchema)
const auth = ref(AuthResponseSchema)

/** Every route of the HTTP API that is not an encrypted entity's, by name. */
export const ROUTES = {
  health: defineRoute({
    method: 'GET',
    path: '/health',
    root: true,
    public: true,
    operationId: 'health',
    summary: 'Liveness: the server process answers (the database is not contacted)',
    tags: ['health'],
    response: ref(HealthSchema),
  }),
  ready: defineRoute({
    method: 'GET',
    path: '/ready',
    root: true,
    public: true,
    operationId: 'ready',
    summary: 'Readiness: the database is reachable and writable (503 UNAVAILABLE or 507 otherwise)',
    tags: ['health'],
    response: ref(ReadySchema),
  }),
  login: defineRoute({
    method: 'POST',
    path: '/auth/login',
    public: true,
    operationId: 'login',
    summary: 'Logs in with login, email or phone and a password or long-lived token',
    tags: ['auth'],
    body: ref(LoginSchema),
    response: auth,
  }),
  refresh: defineRoute({
    method: 'POST',
    path: '/auth/refresh',
    public: true,
    operationId: 'refresh',
    summary:
      'Exchanges the current refresh token of a session for new tokens; the old refresh token is spent, and presenting it again revokes the session',
    tags: ['auth'],
    body: ref(RefreshSchema),
    response: auth,
  }),
  logout: defineRoute({
    method: 'POST',
    path: '/auth/logout',
    operationId: 'logout',
    summary: "Ends the caller's session: its refresh token and every access token of it stop working",
    tags: ['auth'],
    response: ref(LogoutSchema),
  }),
  currentUser: defineRoute({
    method: 'GET',
    path: '/user/current',
    operationId: 'getCurrentUser',
    summary: 'The logged-in user',
    tags: ['user'],
    response: user,
  }),
  getUser: defineRoute({
    method: 'GET',
    path: '/user/:id',
    operationId: 'getUser',
    summary: 'A user by id',
    tags: ['user'],
    params: IdParamsSchema,
    response: user,
  }),
  createUser: defineRoute({
    method: 'POST',
    path: '/user',
    operationId: 'createUser',
    summary: 'Creates a user; a clear password is hashed by the server',
    tags: ['user'],
    body: ref(UserWriteSchema),
    response: user,
  }),
  modifyUser: defineRoute({
    method: 'PUT',
    path: '/user',
    operationId: 'modifyUser',
    summary: 'Modifies a user at its current rev',
    tags: ['user'],
    body: ref(UserWriteSchema),
    response: user,
  }),
  createToken: defineRoute({
    method: 'POST',
    path: '/user/:id/token',
    operationId: 'createToken',
    summary: 'Creates a long-lived token usable as the password, shown once',
    tags: ['user'],
    params: IdParamsSchema,
    body: ref(CreateTokenSchema),
    response: ref(TokenSchema),
  }),
  addSharing: defineRoute({
    method: 'POST',
    path: '/user/current/sharing/add',
    operationId: 'addAutomaticSharing',
    summary: 'Shares every entity the caller creates from now on with these data owners',
    tags: ['user'],
    body: ref(SharingChangeSchema),
    response: user,
  }),
  removeSharing: defineRoute({
    method: 'POST',
    path: '/user/current/sharing/remove',
    operationId: 'removeAutomaticSharing',
    summary: 'Stops the automatic sharing with these data owners',
    tags: ['user'],
    body: ref(SharingChangeSchema),
    response: user,
  }),
  getUserByEmail: defineRoute({
    method: 'GET',
    path: '/user/byEmail/:email',
    operationId: 'getUserByEmail',
    summary: 'The user with this email, if the caller may see its contact details (else 404)',
    tags: ['user'],
    params: EmailParamsSchema,
    response: user,
  }),
  deleteUser: defineRoute({
    method: 'DELETE',
    path: '/user/:id',
    operationId: 'deleteUser',
    summary:
      'Deletes a user (its managers and admins): its identifiers, sessions and tokens go; its data owner may get a new user',
    tags: ['user'],
    params: IdParamsSchema,
    response: ref(UserDeletionSchema),
  }),
  filterUsers: defineRoute({
    method: 'POST',
    path: '/user/filter',
    operationId: 'filterUsers',
    summary: 'One keyset page of the users matching a filter, among those the caller may see',
    tags: ['user'],
    query: PageQuerySchema,
    body: ref(UserFilterRequestSchema),
    response: ref(UserPageSchema),
  }),
  matchUsers: defineRoute({
    method: 'POST',
    path: '/user/match',
    operationId: 'matchUsers',
    summary: 'Ids of the users matching a filter, among those the caller may see',
    tags: ['user'],
    body: ref(UserFilterRequestSchema),
    response: Type.Array(Type.String()),
  }),
  listTokens: defineRoute({
    method: 'GET',
    path: '/user/:id/token',
    operationId: 'listTokens',
    summary: 'Metadata of the long-lived tokens of a user (the user itself, its managers and admins)',
    tags: ['user'],
    params: IdParamsSchema,
    response: Type.Array(ref(TokenInfoSchema)),
  }),
  revokeToken: defineRoute({
    method: 'DELETE',
    path: '/user/:id/token/:tokenId',
    operationId: 'revokeToken',
    summary: 'Revokes a long-lived token and ends the sessions opened with it',
    tags: ['user'],
    params: TokenParamsSchema,
    response: Type.Array(ref(TokenInfoSchema)),
  }),
  createHealthcareProfessionalWithUser: defineRoute({
    method: 'POST',
    path: '/hcparty/withUser',
    operationId: 'createHealthcareProfessionalWithUser',
    summary: 'Creates a healthcare professional and its user in one transaction (both or neither)',
    tags: ['user', 'healthcareProfessional'],
    body: ref(HealthcareProfessionalWithUserSchema),
    response: ref(CreatedHealthcareProfessionalWithUserSchema),
  }),
  currentDataOwner: defineRoute({
    method: 'GET',
    path: '/dataowner/current',
    operationId: 'getCurrentDataOwner',
    summary: 'The data owner the caller acts as',
    tags: ['dataOwner'],
    response: ref(DataOwnerWithTypeSchema),
  }),
  getDataOwner: defineRoute({
    method: 'GET',
    path: '/dataowner/:id',
    operationId: 'getDataOwner',
    summary: 'Any data owner by id (a patient the caller cannot read: its public keys only)',
    tags: ['dataOwner'],
    params: IdParamsSchema,
    response: ref(DataOwnerWithTypeSchema),
  }),
  createExchangeKey: defineRoute({
    method: 'POST',
    path: '/exchangekey',
    operationId: 'createExchangeKey',
    summary: 'Stores a new exchange key; only its delegator may create it',
    tags: ['exchangeKey'],
    body: ref(ExchangeKeySchema),
    response: ref(ExchangeKeySchema),
  }),
  getExchangeKeys: defineRoute({
    method: 'GET',
    path: '/exchangekey/:delegator/:delegate',
    operationId: 'getExchangeKeys',
    summary: 'Exchange keys of an ordered pair, oldest first; only for the two parties',
    tags: ['exchangeKey'],
    params: PairParamsSchema,
    response: Type.Array(ref(ExchangeKeySchema)),
  }),
  getExchangeKeyCounterparts: defineRoute({
    method: 'GET',
    path: '/exchangekey/counterparts',
    operationId: 'getExchangeKeyCounterparts',
    summary:
      'The data owners the caller shares exchange keys with, in either direction, with their type (whom to ask to give access back after a lost key)',
    tags: ['exchangeKey'],
    response: Type.Array(ref(ExchangeKeyCounterpartSchema)),
  }),
  addExchangeKeyRecipients: defineRoute({
    method: 'PUT',
    path: '/exchangekey/:id/recipients',
    operationId: 'addExchangeKeyRecipients',
    summary:
      'Adds RSA entries for new public keys to an exchange key (give access back); only the two parties; existing entries never change',
    tags: ['exchangeKey'],
    params: IdParamsSchema,
    body: ref(ExchangeKeyRecipientsSchema),
    response: ref(ExchangeKeySchema),
  }),
  setDataSampleAttachment: defineRoute({
    method: 'PUT',
    path: '/datasample/:id/attachment/:documentId',
    operationId: 'setDataSampleAttachment',
    summary:
      'Stores (or replaces) an encrypted attachment of a data sample, streamed as application/octet-stream; data owners who may modify the sample only; over the size limit: 413, nothing kept',
    tags: ['dataSample'],
    params: AttachmentParamsSchema,
    bodyType: 'binary',
    response: AttachmentInfoSchema,
  }),
  getDataSampleAttachment: defineRoute({
    method: 'GET',
    path: '/datasample/:id/attachment/:documentId',
    operationId: 'getDataSampleAttachment',
    summary: 'The encrypted attachment of a data sample, streamed; data owners who may read the sample only',
    tags: ['dataSample'],
    params: AttachmentParamsSchema,
    response: AttachmentBytesSchema,
    responseType: 'binary',
  }),
  deleteDataSampleAttachment: defineRoute({
    method: 'DELETE',
    path: '/datasample/:id/attachment/:documentId',
    operationId: 'deleteDataSampleAttachment',
    summary: 'Deletes an attachment of a data sample; data owners who may modify the sample only',
    tags: ['dataSample'],
    params: AttachmentParamsSchema,
    response: AttachmentInfoSchema,
  }),
  healthcareProfessional: {
    ...dataOwnerDocRoutes('/hcparty', 'HealthcareProfessional', 'healthcareProfessional'),
    ...directorySearchRoutes(
      '/hcparty',
      'HealthcareProfessional',
      'healthcareProfessional',
      HealthcareProfessionalFilterSchema,
    ),
  },
  medicalDevice: {
    ...dataOwnerDocRoutes('/device', 'MedicalDevice', 'medicalDevice'),
    ...deviceBulkRoutes(),
    ...directorySearchRoutes('/device', 'MedicalDevice', 'medicalDevice', MedicalDeviceFilterSchema),
  },
  coding: CODING_ROUTES,
  recoveryKey: RECOVERY_KEY_ROUTES,
  msgGw: MSG_GW_ROUTES,
  messagingAdmin: MESSAGING_ADMIN_ROUTES,
  audit: AUDIT_ROUTES,
  realtime: REALTIME_ROUTES,
} as const

/** Every route of the API, flattened: for checks over the whole table (OpenAPI, schema bounds). */
export function allRoutes(): RouteDef[] {
  const out: RouteDef[] = []
  const walk = (v: unknown): void => {
    if (v && typeof v === 'object' && 'method' in v && 'path' in v) out.push(v as RouteDef)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  walk(ROUTES)
  walk(ENTITY_ROUTES)
  return out
}
