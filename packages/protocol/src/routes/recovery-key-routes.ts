import {
  RecoveryKeyDataSchema,
  RecoveryKeyOpenSchema,
  RecoveryKeyParamsSchema,
  RecoveryKeyStatusSchema,
  RecoveryKeyWriteSchema,
} from '../recovery-key-dto.ts'
import { defineRoute } from './route-def.ts'

const tags = ['recoveryKey']
const path = '/recoverykey/:dataOwnerId'

/**
 * The recovery-key routes (docs/protocol.md, "Recovery key"). Only the data owner itself, never an admin
 * or a colleague: another caller gets 403 whatever it asks. Storing, replacing and deleting need a recent
 * login; opening is rate-limited per data owner and per client address.
 */
export const RECOVERY_KEY_ROUTES = {
  status: defineRoute({
    method: 'GET',
    path,
    operationId: 'getRecoveryKeyStatus',
    summary:
      'Whether the caller (as this data owner) has a recovery key, since when, and which keys it covers',
    tags,
    params: RecoveryKeyParamsSchema,
    response: RecoveryKeyStatusSchema,
  }),
  store: defineRoute({
    method: 'PUT',
    path,
    operationId: 'storeRecoveryKey',
    summary:
      'Stores (or replaces) the recovery data of the caller, encrypted on its device, and the SHA-256 of the value that opens it; needs a recent login',
    tags,
    params: RecoveryKeyParamsSchema,
    body: RecoveryKeyWriteSchema,
    response: RecoveryKeyStatusSchema,
  }),
  open: defineRoute({
    method: 'POST',
    path: `${path}/open`,
    operationId: 'openRecoveryKey',
    summary:
      'The recovery data of the caller, given the value derived from its recovery code (wrong: 403, counted; too many: 429 with Retry-After)',
    tags,
    params: RecoveryKeyParamsSchema,
    body: RecoveryKeyOpenSchema,
    response: RecoveryKeyDataSchema,
  }),
  delete: defineRoute({
    method: 'DELETE',
    path,
    operationId: 'deleteRecoveryKey',
    summary:
      'Deletes the recovery data of the caller (the recovery code then opens nothing); needs a recent login',
    tags,
    params: RecoveryKeyParamsSchema,
    response: RecoveryKeyStatusSchema,
  }),
} as const
