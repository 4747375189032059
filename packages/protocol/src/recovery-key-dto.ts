import { Type, type Static } from '@sinclair/typebox'
import { IdSchema } from './dto.ts'

/**
 * Wire shapes of the recovery-key routes (`/recoverykey/{dataOwnerId}`, docs/protocol.md "Recovery
 * key"): a data owner's private keys encrypted on its device under a key derived from a recovery code
 * the server never sees, and the value derived from the same code that the server checks before handing
 * the ciphertext out. Inline schemas (no `$id`): small, used by these routes only.
 */

/** Most key pairs one recovery key holds (each fingerprint of the list names one). */
export const MAX_RECOVERY_KEY_PAIRS = 50

/**
 * Longest recovery data, in characters of base64: a 2048-bit pair is about 3.1 kB of hex in the JSON,
 * so {@link MAX_RECOVERY_KEY_PAIRS} pairs fit with room to spare, well under the default body limit.
 */
export const MAX_RECOVERY_DATA_LENGTH = 256 * 1024

/** Base64url of the 32 bytes that prove the recovery code to the server (derived by HKDF on the device). */
const AuthValue = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description: 'base64url of the 32-byte value derived from the recovery code (never the code itself)',
})

/** Hex fingerprint of a public key (32 lower-case hex characters). */
const Fingerprint = Type.String({ pattern: '^[0-9a-f]{32}$' })

/** Path parameters: the data owner whose recovery key it is (only that data owner itself may use it). */
export const RecoveryKeyParamsSchema = Type.Object({ dataOwnerId: IdSchema })
export type RecoveryKeyParamsDto = Static<typeof RecoveryKeyParamsSchema>

/** Body of a store (or replace): the ciphertext, the value that will open it, the keys it covers. */
export const RecoveryKeyWriteSchema = Type.Object(
  {
    authValue: AuthValue,
    /** AES-256-GCM ciphertext of the key pairs (standard base64 of `0x02 ‖ IV ‖ ciphertext ‖ tag`). */
    blob: Type.String({
      minLength: 1,
      maxLength: MAX_RECOVERY_DATA_LENGTH,
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
    }),
    /** Fingerprints of the public keys whose pairs the ciphertext holds (informational, in clear). */
    fingerprints: Type.Array(Fingerprint, { minItems: 1, maxItems: MAX_RECOVERY_KEY_PAIRS }),
  },
  { additionalProperties: false },
)
export type RecoveryKeyWriteDto = Static<typeof RecoveryKeyWriteSchema>

/** Body of an open: the value derived from the code typed on the new device. */
export const RecoveryKeyOpenSchema = Type.Object({ authValue: AuthValue }, { additionalProperties: false })
export type RecoveryKeyOpenDto = Static<typeof RecoveryKeyOpenSchema>

/** Whether a data owner has a recovery key, since when, and which keys it covers; nothing secret. */
export const RecoveryKeyStatusSchema = Type.Object(
  {
    dataOwnerId: Type.String(),
    exists: Type.Boolean(),
    /** Epoch ms the current recovery key was stored (absent when there is none). */
    created: Type.Optional(Type.Integer()),
    /** Fingerprints of the keys it covers, as the device that stored it declared them. */
    fingerprints: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
export type RecoveryKeyStatusDto = Static<typeof RecoveryKeyStatusSchema>

/** Answer of a successful open: the ciphertext, to decrypt on the device. */
export const RecoveryKeyDataSchema = Type.Object(
  {
    dataOwnerId: Type.String(),
    blob: Type.String(),
    created: Type.Integer(),
  },
  { additionalProperties: false },
)
export type RecoveryKeyDataDto = Static<typeof RecoveryKeyDataSchema>
