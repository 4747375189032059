import type { EncryptedEntityDto, EncryptionMetaDto } from '@cairn/protocol'
import { SdkError } from '../http/sdk-error.ts'

/** A model class instance as the SDK handles it. */
export interface Marshallable {
  marshal(): unknown
}

/**
 * Splits a marshalled model into the clear part sent to the server and the sensitive part that
 * goes into `encryptedSelf`. `systemMetaData` is handled separately and never sent as a field.
 */
export function splitFields(
  marshalled: Record<string, unknown>,
  encryptedFields: readonly string[],
): { clear: Record<string, unknown>; secret: Record<string, unknown> } {
  const clear: Record<string, unknown> = {}
  const secret: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(marshalled)) {
    if (k === 'systemMetaData' || v === undefined) continue
    if (encryptedFields.includes(k)) secret[k] = v
    else clear[k] = v
  }
  return { clear, secret }
}

/** The wire form of a model's `systemMetaData` (delegation Sets become arrays), or undefined. */
export function metaToWire(meta: Marshallable | undefined): EncryptionMetaDto | undefined {
  if (!meta) return undefined
  // `writer` and `contentWithheld` are what this reader found, not data: never sent back.
  const {
    writer: _w,
    contentWithheld: _c,
    ...m
  } = meta.marshal() as Partial<EncryptionMetaDto> & {
    writer?: unknown
    contentWithheld?: unknown
  }
  return {
    ...m,
    secretForeignKeys: m.secretForeignKeys ?? [],
    cryptedForeignKeys: m.cryptedForeignKeys ?? {},
    delegations: m.delegations ?? {},
    encryptionKeys: m.encryptionKeys ?? {},
  }
}

/**
 * Model JSON from a stored document and its decrypted fields (absent when not decryptable). The
 * encrypted field names are removed from the server's clear JSON first: they only ever come from the
 * decrypted content, so a value the server writes in clear under such a name is never shown.
 */
export function modelJson(
  doc: EncryptedEntityDto,
  encryptedFields: readonly string[],
  fields?: Record<string, unknown>,
): Record<string, unknown> {
  const clear: Record<string, unknown> = { ...doc }
  for (const name of encryptedFields) delete clear[name]
  return { ...clear, ...(fields ?? {}), systemMetaData: doc.systemMetaData }
}

/** Checks a client-chosen id (MedTech `forceUuid`): absent -> a new UUID v4, malformed -> error. */
export function forceUuid(id: string | undefined): string {
  if (id === undefined || id === null || id === '') return globalThis.crypto.randomUUID()
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new SdkError('BAD_REQUEST', 'Invalid id, id must be a valid UUID')
  }
  return id
}
