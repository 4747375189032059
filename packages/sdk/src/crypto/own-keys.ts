import {
  fingerprintOf,
  generateKeyPairHex,
  importKeyPair,
  type KeyPairHandle,
  type KeyPairHex,
} from '@cairn/crypto'
import { ENTITY_ROUTES, ROUTES, type DataOwnerWithTypeDto, type EncryptedEntityDto } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import type { DataOwnerWithType } from '../models/index.ts'
import type { KeyStorageFacade, StorageFacade } from '../storage/storage-facade.ts'
import { publishedKeysOf } from './data-owner-keys.ts'
import { jwkToKeyPair, keyPairToJwk } from './key-format.ts'
import { MedTechCryptoStrategies } from './medtech-crypto-strategies.ts'
import { SdkError } from '../http/sdk-error.ts'

/** Key-storage entry of a key pair of a data owner on this device. */
const keyEntry = (dataOwnerId: string, fp: string) => `cairn.rsa.device.${dataOwnerId}.${fp}`
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
}

/**
 * Loads the data owner's key pairs at start (MedTech §6): pairs in key storage for the published
 * public keys, pairs the crypto strategies recover (the keys given to SimpleMedTechCryptoStrategies),
 * and — when none is usable — the pairs given to the strategies if the data owner has published none,
 * else a new pair if the strategies allow it. New public keys are published on the data owner.
 */
export async function initialiseOwnKeys(
  p: OwnKeysParams,
): Promise<{ keys: KeyPairHandle[]; self: DataOwnerWithTypeDto }> {
  const selfId = p.self.dataOwner.id
  const published = publishedKeysOf(p.self.dataOwner)
  const pairs = new Map<string, KeyPairHex>()
  for (const pk of published) {
    const jwk = await p.keyStorage.getKeypair(keyEntry(selfId, await fingerprintOf(pk)))
    if (jwk) pairs.set(pk, await jwkToKeyPair(jwk))
  }
  const missing = published.filter((pk) => !pairs.has(pk))
  const verification = JSON.parse((await p.storage.getItem(verificationEntry(selfId))) ?? '{}') as Record<
    string,
    boolean
  >
  const fps = new Map(await Promise.all(missing.map(async (pk) => [pk, await fingerprintOf(pk)] as const)))
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
    pairs.set(pair.publicKey, pair)
    await p.keyStorage.storeKeyPair(
      keyEntry(selfId, await fingerprintOf(pair.publicKey)),
      await keyPairToJwk(pair),
    )
  }
  for (const [pk, decision] of Object.entries(verifiedKeys)) {
    const fp = fps.get(pk)
    if (!fp || decision === MedTechCryptoStrategies.KeyVerificationBehaviour.TEMPORARILY_UNVERIFIED) continue
    verification[fp] = decision === MedTechCryptoStrategies.KeyVerificationBehaviour.MARK_VERIFIED
  }
  await p.storage.setItem(verificationEntry(selfId), JSON.stringify(verification))

  let self = p.self
  if (pairs.size === 0) {
    const given = (p.strategies as { keyPairs?: KeyPairHex[] }).keyPairs ?? []
    const toPublish: KeyPairHex[] = []
    if (published.length === 0 && given.length > 0) {
      toPublish.push(...given)
    } else {
      if (!(await p.strategies.allowNewKeyPairGeneration(p.selfModel))) {
        throw new SdkError(
          'FORBIDDEN',
          `No verified key found for ${selfId} and settings do not allow creation of a new key.`,
        )
      }
      const generated = await generateKeyPairHex()
      await p.strategies.notifyKeyPairGeneration({ ...generated })
      toPublish.push(generated)
    }
    for (const pair of toPublish) {
      pairs.set(pair.publicKey, pair)
      await p.keyStorage.storeKeyPair(
        keyEntry(selfId, await fingerprintOf(pair.publicKey)),
        await keyPairToJwk(pair),
      )
    }
    self = await publishKeys(
      p.http,
      self,
      toPublish.map((k) => k.publicKey),
    )
  }
  return { keys: await Promise.all([...pairs.values()].map((pair) => importKeyPair(pair))), self }
}

/** Adds public keys to the data owner's document and saves it. */
async function publishKeys(
  http: HttpClient,
  self: DataOwnerWithTypeDto,
  publicKeys: string[],
): Promise<DataOwnerWithTypeDto> {
  const doc = self.dataOwner
  const meta: Record<string, unknown> = doc.systemMetaData ?? {}
  const existing = (meta.publicKeysForOaepWithSha256 as string[] | undefined) ?? []
  const systemMetaData = {
    ...meta,
    publicKey: (meta.publicKey as string | undefined) ?? publicKeys[0],
    publicKeysForOaepWithSha256: [...new Set([...existing, ...publicKeys])],
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
