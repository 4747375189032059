import {
  CryptoError,
  fingerprintOf,
  generateKeyPairHex,
  importKeyPair,
  type KeyPairHandle,
  type KeyPairHex,
} from '@cairn/crypto'
import {
  ENTITY_ROUTES,
  ROUTES,
  type DataOwnerWithTypeDto,
  type EncryptedEntityDto,
  type KeyStatementDto,
} from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import type { DataOwnerWithType } from '../models/index.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import { publishedKeysOf } from './data-owner-keys.ts'
import { loadStoredKeyPair, storeKeyPair } from './stored-key-pair.ts'
import { MedTechCryptoStrategies } from './medtech-crypto-strategies.ts'
import { SdkError } from '../http/sdk-error.ts'

/** Key-storage entry of a key pair of a data owner on this device. */
export const keyEntry = (dataOwnerId: string, fp: string) => `cairn.rsa.device.${dataOwnerId}.${fp}`
/** Storage entry listing the fingerprints of the pairs this device holds for a data owner. */
const indexEntry = (dataOwnerId: string) => `cairn.rsa.device.${dataOwnerId}.index`
/** Storage entry of the local verification decisions about own public keys (JSON {fingerprint: boolean}). */
const verificationEntry = (dataOwnerId: string) => `cairn.rsa.${dataOwnerId}.verification.self`

/** What key initialisation needs. */
export interface OwnKeysParams {
  http: HttpClient
  self: DataOwnerWithTypeDto
  selfModel: DataOwnerWithType
  strategies: MedTechCryptoStrategies
  keyStorage: KeyStorageFacade
  storage: StorageFacade<string>
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void
  /**
   * Restores pairs for published keys missing on this device, before the strategies are asked (the
   * builder's `withRecoveryKey`): returns valid pairs of this data owner; those of missing keys are used
   * and stored like the others.
   */
  recover?: (missingPublicKeys: string[]) => Promise<KeyPairHex[]>
}

/**
 * Loads the data owner's key pairs at start (protocol v2, MedTech §6): pairs on this device (those of
 * the published keys, and those the server stopped publishing), pairs the crypto strategies recover,
 * and the pairs given to SimpleMedTechCryptoStrategies, which must be valid and belong to this data
 * owner. With no usable pair: a data owner that never published a key publishes the given pairs or a
 * new one; one that did is on the lost-key path, taken only if the strategies allow a new key pair, and
 * never silently (a warning names the keys not found and where the new pair is kept).
 */
export async function initialiseOwnKeys(
  p: OwnKeysParams,
): Promise<{ keys: KeyPairHandle[]; self: DataOwnerWithTypeDto; generated: boolean; lost: string[] }> {
  const warn = p.warn ?? ((m: string) => console.warn(`[cairn] ${m}`))
  const selfId = p.self.dataOwner.id
  const published = publishedKeysOf(p.self.dataOwner)
  const publishedFps = await Promise.all(published.map((pk) => fingerprintOf(pk)))
  const given = await validatedGivenPairs(p.strategies, selfId, published, publishedFps)
  const pairs = new Map<string, KeyPairHandle>()

  // Pairs on this device: the published ones, and the others this device stored for this data owner
  // (a server that stops publishing a key must not make the SDK generate a new one: review F9).
  const index = await readIndex(p.storage, selfId)
  for (const fp of new Set([...publishedFps, ...index])) {
    const pair = await loadStoredKeyPair(p.keyStorage, keyEntry(selfId, fp))
    if (!pair) continue
    pairs.set(pair.publicKeyHex, pair)
    if (!publishedFps.includes(fp))
      warn(`Key ${fp} of data owner ${selfId} is on this device but the server no longer publishes it`)
  }
  for (const g of given) if (published.includes(g.hex.publicKey)) pairs.set(g.hex.publicKey, g.handle)

  const restored: KeyPairHex[] = []
  const unrestored = published.filter((pk) => !pairs.has(pk))
  if (p.recover && unrestored.length > 0) {
    for (const pair of await p.recover(unrestored)) {
      const pk = pair.publicKey.toLowerCase()
      if (!unrestored.includes(pk) || pairs.has(pk)) continue
      pairs.set(pk, await importGiven({ ...pair, publicKey: pk }, 'restored from the recovery key'))
      restored.push({ privateKey: pair.privateKey, publicKey: pk })
    }
  }

  const missing = published.filter((pk) => !pairs.has(pk))
  const verification = JSON.parse((await p.storage.getItem(verificationEntry(selfId))) ?? '{}') as Record<
    string,
    boolean
  >
  const fps = new Map(published.map((pk, i) => [pk, publishedFps[i]]))
  const unverified = missing.filter((pk) => verification[fps.get(pk)!] === undefined)
  const { recoveredKeyPairs, verifiedKeys } = await p.strategies.recoverAndVerifyKeys(
    p.selfModel,
    missing,
    unverified,
  )
  for (const pair of recoveredKeyPairs) {
    if (!missing.includes(pair.publicKey))
      throw new SdkError(
        'BAD_REQUEST',
        'Recovered keys should only contain keys which were originally missing',
      )
    pairs.set(pair.publicKey, await importGiven(pair, 'recovered by the crypto strategies'))
  }
  for (const [pk, decision] of Object.entries(verifiedKeys)) {
    const fp = fps.get(pk)
    if (!fp || decision === MedTechCryptoStrategies.KeyVerificationBehaviour.TEMPORARILY_UNVERIFIED) continue
    verification[fp] = decision === MedTechCryptoStrategies.KeyVerificationBehaviour.MARK_VERIFIED
  }
  await p.storage.setItem(verificationEntry(selfId), JSON.stringify(verification))

  // Keep on this device every pair in use (given and recovered pairs included).
  const stored = new Set(index)
  const toStore: KeyPairHex[] = [
    ...given.filter((g) => pairs.has(g.hex.publicKey)).map((g) => g.hex),
    ...recoveredKeyPairs,
    ...restored,
  ]

  let self = p.self
  let generated = false
  if (pairs.size === 0) {
    const toPublish: KeyPairHex[] = []
    if (published.length === 0 && given.length > 0) {
      toPublish.push(...given.map((g) => g.hex))
    } else {
      const allowed = await p.strategies.allowNewKeyPairGeneration(p.selfModel)
      if (published.length > 0 && !allowed) throw noKeyError(selfId, publishedFps)
      if (!allowed)
        throw new SdkError(
          'FORBIDDEN',
          `No verified key found for ${selfId} and settings do not allow creation of a new key.`,
        )
      const pair = await generateKeyPairHex()
      if (published.length > 0) {
        warn(
          `Data owner ${selfId} has published key(s) ${publishedFps.join(', ')} but none of their private keys is ` +
            `on this device or given to the crypto strategies: a NEW key pair ${await fingerprintOf(pair.publicKey)} ` +
            `is created and published (lost-key path). Data encrypted for the old keys stays unreadable until the ` +
            `data owners it was shared with give access back. The new pair is kept in ${describeKeyStorage(p.keyStorage)}.`,
        )
      }
      await p.strategies.notifyKeyPairGeneration({ ...pair })
      toPublish.push(pair)
      generated = true
    }
    for (const pair of toPublish) pairs.set(pair.publicKey, await importKeyPair(pair))
    toStore.push(...toPublish)
    self = await publishKeys(
      p.http,
      self,
      toPublish.map((k) => k.publicKey),
    )
  }
  for (const pair of toStore) {
    const fp = await fingerprintOf(pair.publicKey)
    await storeKeyPair(p.keyStorage, keyEntry(selfId, fp), pair)
    stored.add(fp)
  }
  if (stored.size !== index.length) await p.storage.setItem(indexEntry(selfId), JSON.stringify([...stored]))
  // On the lost-key path, the keys published before (whose private keys were nowhere) are kept by
  // fingerprint: the builder pins them to read old records and asks the counterparts to give access back.
  return { keys: [...pairs.values()], self, generated, lost: generated ? publishedFps : [] }
}

/**
 * The pairs given to SimpleMedTechCryptoStrategies, imported: a pair that does not import (garbage,
 * mismatched halves, too short) or that is not one of this data owner's published keys is an error, not
 * something to ignore (protocol v2: no silent throw-away keys).
 */
async function validatedGivenPairs(
  strategies: MedTechCryptoStrategies,
  selfId: string,
  published: string[],
  publishedFps: string[],
): Promise<{ hex: KeyPairHex; handle: KeyPairHandle }[]> {
  const given = (strategies as { keyPairs?: KeyPairHex[] }).keyPairs ?? []
  const out: { hex: KeyPairHex; handle: KeyPairHandle }[] = []
  for (const [i, pair] of given.entries()) {
    const handle = await importGiven(pair, `given to SimpleMedTechCryptoStrategies (#${i + 1})`)
    const hex = { privateKey: pair.privateKey, publicKey: handle.publicKeyHex }
    if (published.length > 0 && !published.includes(hex.publicKey)) {
      throw new SdkError(
        'BAD_REQUEST',
        `The key pair given to SimpleMedTechCryptoStrategies (#${i + 1}, fingerprint ${handle.fingerprint}) is not a ` +
          `key of data owner ${selfId}, whose published keys are ${publishedFps.join(', ')}`,
      )
    }
    out.push({ hex, handle })
  }
  return out
}

async function importGiven(pair: KeyPairHex, what: string): Promise<KeyPairHandle> {
  try {
    if (typeof pair?.privateKey !== 'string' || typeof pair?.publicKey !== 'string')
      throw new CryptoError('BAD_KEY', 'privateKey and publicKey must be hex strings')
    return await importKeyPair({ privateKey: pair.privateKey, publicKey: pair.publicKey.toLowerCase() })
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e
    throw new SdkError('BAD_REQUEST', `The key pair ${what} is not a valid RSA key pair: ${e.message}`, {
      cause: e,
    })
  }
}

/** The error of a data owner with published keys, none usable here, and no permission to make one. */
function noKeyError(selfId: string, publishedFps: string[]): SdkError {
  return new SdkError(
    'FORBIDDEN',
    `No verified key found for ${selfId} and settings do not allow creation of a new key. ` +
      `Data owner ${selfId} has published the key(s) ${publishedFps.join(', ')}; pass the matching key pair ` +
      `(new SimpleMedTechCryptoStrategies([{ privateKey, publicKey }]) with hex PKCS#8 / SPKI, or a key storage ` +
      `that holds it: withKeyStorage). If every copy of the private key is lost, allow a new key pair ` +
      `(allowNewKeyPairGeneration) to start recovery: the data owners it shared with then give access back ` +
      `(dataOwnerApi.giveAccessBackTo).`,
  )
}

/** Where a key storage keeps pairs, for the lost-key warning. */
function describeKeyStorage(keyStorage: KeyStorageFacade): string {
  const name = keyStorage.constructor?.name ?? 'the key storage'
  const described = (keyStorage as { describe?: () => string }).describe?.()
  if (described) return described
  const inMemory = !(globalThis as { localStorage?: unknown }).localStorage && name === 'KeyStorageImpl'
  return inMemory
    ? 'memory only (KeyStorageImpl without localStorage): it is LOST when this process exits; pass withKeyStorage(new FileKeyStorage(dir)) to keep it'
    : name
}

/**
 * Stores a new key pair of the data owner on this device and records it in the device's index of
 * pairs (so that it is found even if the server stops publishing it).
 */
export async function keepKeyPair(
  keyStorage: KeyStorageFacade,
  storage: StorageFacade<string>,
  selfId: string,
  pair: KeyPairHex,
): Promise<string> {
  const fp = await fingerprintOf(pair.publicKey)
  await storeKeyPair(keyStorage, keyEntry(selfId, fp), pair)
  const index = await readIndex(storage, selfId)
  if (!index.includes(fp)) await storage.setItem(indexEntry(selfId), JSON.stringify([...index, fp]))
  return fp
}

async function readIndex(storage: StorageFacade<string>, selfId: string): Promise<string[]> {
  const raw = await storage.getItem(indexEntry(selfId))
  if (!raw) return []
  try {
    const list = JSON.parse(raw) as unknown
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

/** Adds public keys to the data owner's document and saves it. */
export async function publishKeys(
  http: HttpClient,
  self: DataOwnerWithTypeDto,
  publicKeys: string[],
  statements: KeyStatementDto[] = [],
): Promise<DataOwnerWithTypeDto> {
  const doc = self.dataOwner
  const meta: Record<string, unknown> = doc.systemMetaData ?? {}
  const existing = (meta.publicKeysForOaepWithSha256 as string[] | undefined) ?? []
  const existingStatements = (meta.keyStatements as KeyStatementDto[] | undefined) ?? []
  const systemMetaData = {
    ...meta,
    publicKey: (meta.publicKey as string | undefined) ?? publicKeys[0],
    publicKeysForOaepWithSha256: [...new Set([...existing, ...publicKeys])],
    ...(statements.length > 0 || existingStatements.length > 0
      ? { keyStatements: [...existingStatements, ...statements] }
      : {}),
  }
  const next = { ...doc, systemMetaData }
  // Each data-owner type is saved through its own route; a patient is an encrypted entity.
  const saved =
    self.type === 'Patient'
      ? await http.call(ENTITY_ROUTES.patient.modify, { body: next as EncryptedEntityDto })
      : await http.call(
          self.type === 'HealthcareProfessional'
            ? ROUTES.healthcareProfessional.modify
            : ROUTES.medicalDevice.modify,
          { body: next },
        )
  return { type: self.type, dataOwner: saved }
}
