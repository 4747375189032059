import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import {
  createExchangeKey,
  decryptSelf,
  encryptSelf,
  fingerprintOf,
  generateAesKey,
  generateKeyPairHex,
  importAesKey,
  importKeyPair,
  importPublicKey,
  openExchangeKey,
  sealEntity,
  unwrapValue,
  wrapValue,
  type AesKey,
  type EntitySeal,
  type KeyPairHandle,
} from '@cairn/crypto'
import type { EncryptedEntityDto, EntityType, ExchangeKeyDto } from '@cairn/protocol'
import {
  HealthcareProfessional,
  MemoryStorage,
  Patient,
  SdkError,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type MedTechApi,
} from '@cairn/sdk'
// What a seal covers, exactly as the SDK computes it: the test forges seals the way a key holder would.
import { sealedContent } from '../../packages/sdk/src/crypto/entity-crypto.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { client } from '../access/http.ts'
import { expectIntegrityError, glucose, rejection, valueOf } from '../support/integrity-expectations.ts'
import { operatorDb } from '../support/operator-db.ts'

/**
 * Protocol v2 against a malicious operator (issue 7, ../shared/design/PROTOCOL-V1-REVIEW.md): one
 * `describe` per attack. The operator edits the server's SQLite database directly (it has write access
 * to it), sometimes with the help of a colleague of the victim; the SDK must refuse, report or withhold,
 * never show forged data. One server is shared by every test of the file.
 */

/** What lists report through `withIntegrityFailureHandler` (the type is not exported by the SDK). */
interface Report {
  kind: 'integrity' | 'withheld'
  entityType: string
  entityId: string
  reason: string
}

let server: ServerProcess
let db: Database.Database
/** Doctor whose own data most attacks tamper with. */
let a: Actor
/** A colleague of `a`. */
let b: Actor

// ---------- the operator's view: the database ----------

const { readRow, readDoc, writeDoc, setSfkIndex, insertDoc, insertExchangeKey } = operatorDb(() => db)
const sealOf = (doc: EncryptedEntityDto) => doc.systemMetaData.seal as EntitySeal
/** The document without its writer proofs: they are not needed to read, so the operator can drop them. */
const withoutProofs = (doc: EncryptedEntityDto): EncryptedEntityDto => ({
  ...doc,
  systemMetaData: { ...doc.systemMetaData, seal: { ...sealOf(doc), proofs: {} } },
})
const exchangeKeyRecords = (delegator: string, delegate: string) =>
  (
    db
      .prepare('select doc from exchange_key where delegator = ? and delegate = ?')
      .all(delegator, delegate) as {
      doc: string
    }[]
  ).map((r) => JSON.parse(r.doc) as ExchangeKeyDto)
const allExchangeKeyRecords = () =>
  (db.prepare('select doc from exchange_key').all() as { doc: string }[]).map(
    (r) => JSON.parse(r.doc) as ExchangeKeyDto,
  )
/** Appends a public key to a healthcare professional's published keys, in the database. */
const appendPublicKey = (hcpId: string, publicKeyHex: string) => {
  const doc = JSON.parse(readRow('healthcare_professional', hcpId).doc) as {
    systemMetaData: { publicKeysForOaepWithSha256?: string[] }
  }
  const meta = doc.systemMetaData
  meta.publicKeysForOaepWithSha256 = [...(meta.publicKeysForOaepWithSha256 ?? []), publicKeyHex]
  db.prepare('update healthcare_professional set doc = ? where id = ?').run(JSON.stringify(doc), hcpId)
}
const newOperatorKey = async (): Promise<KeyPairHandle> => importKeyPair(await generateKeyPairHex())

// ---------- actors ----------

/** The hex key pair an actor logs in with (given to SimpleMedTechCryptoStrategies by the actor helper). */
const pairOf = (actor: Actor) => (actor.api.cryptoStrategies as SimpleMedTechCryptoStrategies).keyPairs[0]
const publicKeyOf = (actor: Actor) => pairOf(actor).publicKey
/** The actor's key pair as the test uses it to act as that data owner (a colleague helping the operator). */
const handleOf = (actor: Actor) => importKeyPair(pairOf(actor))

/**
 * A new API instance of the same login, with the same storage (key pins persist) and keys, optionally
 * with an integrity handler: a restarted app. Its rollback memory starts empty.
 */
async function reopen(actor: Actor, reports?: Report[], storage?: MemoryStorage): Promise<MedTechApi> {
  const builder = medTechApi()
    .withICureBaseUrl(server.url)
    .withUserName(actor.login)
    .withPassword(actor.password)
    .withStorage(storage ?? actor.api.storage)
    .withKeyStorage(actor.api.keyStorage)
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies([pairOf(actor)]))
  if (reports) builder.withIntegrityFailureHandler((r) => reports.push(r))
  return builder.build()
}

/**
 * K(owner -> holder) as the holder's keys open it from the database (the test acting as that data
 * owner, with its private key).
 */
async function pairKeys(holder: Actor, ownerId: string): Promise<AesKey[]> {
  const own = await handleOf(holder)
  const owner = await Promise.all(
    holder.api.dataOwnerApi
      .getPublicKeysOf(await holder.api.dataOwnerApi.getDataOwner(ownerId))
      .map((k) => importPublicKey(k)),
  )
  const out: AesKey[] = []
  for (const record of exchangeKeyRecords(ownerId, holder.dataOwnerId)) {
    try {
      out.push((await openExchangeKey({ record, ownKeys: [own], delegatorPublicKeys: owner })).key)
    } catch {
      // a record for another key of the holder: not ours
    }
  }
  return out
}

/** K(delegator -> delegate) as the delegator's own keys open it (the delegator helping the operator). */
async function pairKeysAsDelegator(delegator: Actor, delegate: Actor): Promise<AesKey[]> {
  const own = await handleOf(delegator)
  const out: AesKey[] = []
  for (const record of exchangeKeyRecords(delegator.dataOwnerId, delegate.dataOwnerId)) {
    out.push((await openExchangeKey({ record, ownKeys: [own], delegatorPublicKeys: [own] })).key)
  }
  if (out.length === 0) throw new Error('no exchange key for the pair')
  return out
}

/** The entity key of a stored document as its delegate `holder` unwraps it with its own keys. */
async function entityKeyAs(holder: Actor, type: EntityType, doc: EncryptedEntityDto): Promise<AesKey> {
  for (const e of doc.systemMetaData.encryptionKeys[holder.dataOwnerId] ?? []) {
    for (const xk of await pairKeys(holder, e.owner)) {
      try {
        return await importAesKey(await unwrapValue(xk, 'ek', type, doc.id, holder.dataOwnerId, e.key))
      } catch {
        // another exchange key of the pair
      }
    }
  }
  throw new Error(`${holder.dataOwnerId} holds no key of ${type} ${doc.id}`)
}

// ---------- expectations ----------

beforeAll(async () => {
  server = await startServer()
  ;[a, b] = await Promise.all([newHcp(server, 'doctor-a'), newHcp(server, 'doctor-b')])
  db = new Database(join(server.dataDir, 'cairn.db'))
  db.pragma('busy_timeout = 5000')
})
afterAll(async () => {
  db?.close()
  await disposeServer(server)
})

describe('1. forged content without crypto (F1)', () => {
  it('(a) a patient whose encryptedSelf is deleted and a clear note written is refused', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F1', lastName: 'Note', note: 'allergic to penicillin' }),
    )
    const doc = readDoc('patient', p.id!)
    writeDoc('patient', {
      ...withoutProofs(doc),
      note: 'no known allergies',
      systemMetaData: { ...withoutProofs(doc).systemMetaData, encryptedSelf: undefined },
    })
    await expectIntegrityError(
      a.api.patientApi.getPatient(p.id!),
      'patient',
      p.id!,
      /encrypted content is missing/,
    )
  })

  // Found by this file (fixed in 020a8c5): dataOwnerFromDto (packages/sdk/src/api/data-owner-api.ts) built
  // the EncryptedPatient of a patient it could not open (integrity failure swallowed, or no key) from the
  // server's whole clear JSON, so the operator's clear `note` / `administrativeNote` were shown.
  it('(a, through dataOwnerApi.getDataOwner) a clear note written by the operator is never shown', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F1', lastName: 'Owner', note: 'allergic to penicillin' }),
    )
    const doc = readDoc('patient', p.id!)
    const { [a.dataOwnerId]: _mine, ...otherKeys } = doc.systemMetaData.encryptionKeys
    for (const [variant, forged] of [
      ['next to the ciphertext', { ...doc, note: 'no known allergies', administrativeNote: 'forged' }],
      [
        'instead of it',
        {
          ...doc,
          note: 'no known allergies',
          administrativeNote: 'forged',
          systemMetaData: { ...doc.systemMetaData, encryptedSelf: undefined },
        },
      ],
      [
        'reader key removed',
        {
          ...doc,
          note: 'no known allergies',
          administrativeNote: 'forged',
          systemMetaData: { ...doc.systemMetaData, encryptionKeys: otherKeys },
        },
      ],
    ] as [string, EncryptedEntityDto][]) {
      writeDoc('patient', forged)
      const outcome = await a.api.dataOwnerApi.getDataOwner(p.id!).then(
        (o) => o.dataOwner as Patient,
        (e: unknown) => e as SdkError,
      )
      if (outcome instanceof SdkError) expect.soft(outcome.code, variant).toBe('INTEGRITY')
      else {
        expect.soft(outcome.note, variant).not.toBe('no known allergies')
        expect.soft(outcome.administrativeNote, variant).not.toBe('forged')
      }
    }
  })

  it('(b) a clear comment next to a valid ciphertext is refused', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F1', lastName: 'Comment' }),
    )
    const s = await a.api.dataSampleApi.createOrModifyDataSampleFor(p.id!, glucose(5.4, 'fasting'))
    await a.api.dataSampleApi.giveAccessTo(s, b.dataOwnerId)
    const doc = readDoc('data_sample', s.id!)
    // The operator also drops the writer proofs (not needed to read): for B, a delegate that did not
    // write it, only the seal is left to notice (the writer A would also miss its own proof).
    writeDoc('data_sample', { ...withoutProofs(doc), comment: 'not fasting: ignore' })
    for (const reader of [b, a]) {
      await expectIntegrityError(
        reader.api.dataSampleApi.getDataSample(s.id!),
        'dataSample',
        s.id!,
        /seal does not match the content/,
      )
    }
  })

  it('(c) a glucose value written in clear by the operator is never shown (key holder: refused; no key: withheld)', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F1', lastName: 'Glucose' }),
    )
    const s = await a.api.dataSampleApi.createOrModifyDataSampleFor(p.id!, glucose(5.4))
    await a.api.dataSampleApi.giveAccessTo(s, b.dataOwnerId)
    expect(valueOf(await a.api.dataSampleApi.getDataSample(s.id!))).toBe(5.4)
    const stored = readRow('data_sample', s.id!).doc
    const doc = JSON.parse(stored) as EncryptedEntityDto
    // content is an encrypted field: the stored document does not show it.
    expect(doc).not.toHaveProperty('content')
    expect(stored).not.toContain('5.4')
    expect(stored).not.toContain('mmol/L')
    const forgedContent = { en: { measureValue: { value: 15.4, unit: 'mmol/L' } } }

    // Next to the genuine ciphertext.
    writeDoc('data_sample', { ...withoutProofs(doc), content: forgedContent })
    for (const reader of [b, a])
      await expectIntegrityError(reader.api.dataSampleApi.getDataSample(s.id!), 'dataSample', s.id!)
    // Instead of it.
    writeDoc('data_sample', {
      ...withoutProofs(doc),
      content: forgedContent,
      systemMetaData: { ...withoutProofs(doc).systemMetaData, encryptedSelf: undefined },
    })
    await expectIntegrityError(a.api.dataSampleApi.getDataSample(s.id!), 'dataSample', s.id!)
    // With the reader's key entries removed (the server still serves it: the delegation is kept), the
    // content is withheld: no encrypted field comes from the clear JSON.
    const { [a.dataOwnerId]: _removed, ...otherKeys } = doc.systemMetaData.encryptionKeys
    writeDoc('data_sample', {
      ...doc,
      content: forgedContent,
      comment: 'forged comment',
      systemMetaData: { ...doc.systemMetaData, encryptionKeys: otherKeys },
    })
    const withheld = await a.api.dataSampleApi.getDataSample(s.id!)
    expect(withheld.systemMetaData?.contentWithheld).toBe(true)
    expect(valueOf(withheld)).toBeUndefined()
    expect(withheld.comment).toBeUndefined()
    expect(JSON.stringify(withheld.marshal())).not.toContain('15.4')
  })

  it('(d) a sample inserted with no crypto at all is not listed for the patient, and is reported', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F1', lastName: 'Inserted' }),
    )
    const genuine = await a.api.dataSampleApi.createOrModifyDataSampleFor(p.id!, glucose(5.4))
    // The operator learns the patient's secret id from the clear links of its data.
    const sfks = readDoc('data_sample', genuine.id!).systemMetaData.secretForeignKeys
    const forged = {
      id: crypto.randomUUID(),
      rev: '1-forged',
      created: Date.now(),
      batchId: crypto.randomUUID(),
      index: 0,
      valueDate: 20240105090000,
      content: { en: { measureValue: { value: 15.4, unit: 'mmol/L' } } },
      comment: 'planted',
      identifiers: [],
      qualifiedLinks: {},
      systemMetaData: {
        secretForeignKeys: sfks,
        cryptedForeignKeys: {},
        delegations: {
          [a.dataOwnerId]: [{ owner: a.dataOwnerId, delegatedTo: a.dataOwnerId, key: 'forged' }],
        },
        encryptionKeys: {},
      },
    } as unknown as EncryptedEntityDto & { created: number }
    insertDoc('data_sample', forged)

    const reports: Report[] = []
    const api = await reopen(a, reports)
    const listed = await api.dataSampleApi.getDataSamplesForPatient(await api.patientApi.getPatient(p.id!))
    expect(listed.map((x) => x.id)).toEqual([genuine.id])
    expect(JSON.stringify(listed.map((x) => x.marshal()))).not.toContain('15.4')
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ entityType: 'dataSample', entityId: forged.id })
    expect(['integrity', 'withheld']).toContain(reports[0].kind)
  })
})

describe('2. public-key substitution for confidentiality (F2a)', () => {
  it('a key the operator appends to a colleague is refused at the next share, and nothing is encrypted for it', async () => {
    const b2 = await newHcp(server, 'key-victim')
    // A shares with B once: A pins B's key (in its StorageFacade).
    const first = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F2a', lastName: 'First' }),
    )
    await a.api.patientApi.giveAccessTo(first, b2.dataOwnerId)

    const operator = await newOperatorKey()
    appendPublicKey(b2.dataOwnerId, operator.publicKeyHex)
    const bFingerprint = await fingerprintOf(publicKeyOf(b2))

    // A restarted app of A: a new API instance on the same storage (pins persist).
    const sharedStorage = a.api.storage
    const a2 = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(a.login)
      .withPassword(a.password)
      .withStorage(sharedStorage)
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([pairOf(a)]))
      .build()
    const secret = await a2.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F2a', lastName: 'Second', note: 'HIV positive' }),
    )
    const e = await rejection(a2.patientApi.giveAccessTo(secret, b2.dataOwnerId))
    expect(e.code, e.message).toBe('KEY_VERIFICATION')
    expect(e.message).toContain(b2.dataOwnerId)
    expect(e.message).toContain(bFingerprint)
    expect(e.message).toContain(operator.fingerprint)
    // No exchange key anywhere is encrypted for the operator's key.
    for (const record of allExchangeKeyRecords()) {
      expect(Object.keys(record.encryptedKey)).not.toContain(operator.fingerprint)
      expect(record.recipients ?? []).not.toContain(operator.fingerprint)
    }
    expect(await a2.dataOwnerApi.getFingerprints(b2.dataOwnerId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fingerprint: bFingerprint, status: 'trusted' }),
        expect.objectContaining({ fingerprint: operator.fingerprint, status: 'unverified' }),
      ]),
    )

    // Through the API: an admin cannot add a key to a professional, and nobody can remove one.
    const admin = await medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(server.adminLogin)
      .withPassword(server.adminPassword)
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(new SimpleMedTechCryptoStrategies([]))
      .build()
    const withKeys = async (api: MedTechApi, change: (keys: string[]) => string[]) => {
      const hcp = await api.healthcareProfessionalApi.getHealthcareProfessional(b2.dataOwnerId)
      const json = hcp.marshal() as { systemMetaData: { publicKeysForOaepWithSha256?: string[] } }
      json.systemMetaData.publicKeysForOaepWithSha256 = change(
        json.systemMetaData.publicKeysForOaepWithSha256 ?? [],
      )
      return api.healthcareProfessionalApi.createOrModifyHealthcareProfessional(
        new HealthcareProfessional(json),
      )
    }
    const adminKey = await newOperatorKey()
    const added = await rejection(withKeys(admin, (keys) => [...keys, adminKey.publicKeyHex]))
    expect(added.status, added.message).toBe(403)
    expect(added.message).toMatch(/public keys/)
    const removedByAdmin = await rejection(
      withKeys(admin, (keys) => keys.filter((k) => k !== operator.publicKeyHex)),
    )
    expect(removedByAdmin.status, removedByAdmin.message).toBe(403)
    // Not even the owner: a published key is revoked (signed statement), never removed.
    const removedByOwner = await rejection(
      withKeys(b2.api, (keys) => keys.filter((k) => k !== operator.publicKeyHex)),
    )
    expect(removedByOwner.status, removedByOwner.message).toBe(403)
    expect(removedByOwner.message).toMatch(/append-only/)
  })
})

describe('3. forged exchange key signed by a planted delegator key (F2b)', () => {
  it('a delegate that pinned the delegator never reads content planted under the forged exchange key', async () => {
    const a3 = await newHcp(server, 'forged-delegator')
    const patient = await a3.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F2b', lastName: 'Shared', note: 'genuine' }),
    )
    await a3.api.patientApi.giveAccessTo(patient, b.dataOwnerId)
    // B reads it once: B pins A's key.
    expect((await b.api.patientApi.getPatient(patient.id!)).note).toBe('genuine')

    // The operator publishes its own key on A's record and signs K'(A -> B) with it, for B's key.
    const operator = await newOperatorKey()
    appendPublicKey(a3.dataOwnerId, operator.publicKeyHex)
    const { record, key: forgedXk } = await createExchangeKey({
      delegatorId: a3.dataOwnerId,
      delegateId: b.dataOwnerId,
      signer: operator,
      recipients: [await importPublicKey(publicKeyOf(b))],
    })
    insertExchangeKey(record)
    // ... and rewrites the shared patient so that B's entry is wrapped under K', with planted content.
    const doc = readDoc('patient', patient.id!)
    const k = await generateAesKey()
    const meta = {
      ...doc.systemMetaData,
      encryptedSelf: await encryptSelf(k, 'patient', doc.id, { note: 'planted' }),
      encryptionKeys: {
        ...doc.systemMetaData.encryptionKeys,
        [b.dataOwnerId]: [
          {
            owner: a3.dataOwnerId,
            delegatedTo: b.dataOwnerId,
            key: await wrapValue(forgedXk, 'ek', 'patient', doc.id, b.dataOwnerId, k.raw),
          },
        ],
      },
    }
    const forged = { ...doc, systemMetaData: meta }
    meta.seal = (
      await sealEntity({
        k,
        content: sealedContent('patient', forged),
        seq: sealOf(doc).seq + 1,
        creator: a3.dataOwnerId,
        writer: a3.dataOwnerId,
        proofKeys: new Map([[b.dataOwnerId, forgedXk]]),
      })
    ).seal
    writeDoc('patient', forged)

    // B restarted (same storage: A's key is pinned), and B's running instance after forceReload.
    const b2 = await reopen(b)
    await b.api.forceReload()
    for (const api of [b2, b.api]) {
      const outcome = await api.patientApi.getPatient(patient.id!).then(
        (p) => p.note,
        (e: unknown) => e,
      )
      expect(outcome).not.toBe('planted')
      expect(outcome).toBeInstanceOf(SdkError)
      expect(['INTEGRITY', 'DECRYPTION']).toContain((outcome as SdkError).code)
      const maybe = await api.patientApi.getPatientAndTryDecrypt(patient.id!).catch((e: unknown) => e)
      expect(JSON.stringify(maybe)).not.toContain('planted')
    }
  })
})

describe('4. content substitution by a colleague holding an exchange key to the victim (F3)', () => {
  let s: Actor
  let v: Actor
  /** The genuine K(S -> V). */
  let xk: AesKey
  beforeAll(async () => {
    ;[s, v] = await Promise.all([newHcp(server, 'colleague'), newHcp(server, 'victim')])
    // S once shared something with V: a genuine K(S -> V) exists.
    const anything = await s.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F3', lastName: 'Any' }),
    )
    await s.api.patientApi.giveAccessTo(anything, v.dataOwnerId)
    expect((await v.api.patientApi.getPatient(anything.id!)).lastName).toBe('Any')
    ;[xk] = await pairKeysAsDelegator(s, v)
  })

  /**
   * The forged revision of V's record: content under a fresh k' that S knows, k' wrapped by S for V
   * under K(S -> V), sealed with k' (S helps the operator). Returns k'.
   */
  const forge = async (original: EncryptedEntityDto, keepVictimEntry: boolean, creator: string) => {
    const k = await generateAesKey()
    const sEntry = {
      owner: s.dataOwnerId,
      delegatedTo: v.dataOwnerId,
      key: await wrapValue(xk, 'ek', 'patient', original.id, v.dataOwnerId, k.raw),
    }
    const meta = {
      ...original.systemMetaData,
      encryptedSelf: await encryptSelf(k, 'patient', original.id, { note: 'dose: 50 mg' }),
      encryptionKeys: {
        ...original.systemMetaData.encryptionKeys,
        // The forged entry first: a reader taking the first entry that opens would use it.
        [v.dataOwnerId]: keepVictimEntry
          ? [sEntry, ...original.systemMetaData.encryptionKeys[v.dataOwnerId]]
          : [sEntry],
      },
    }
    const doc = { ...original, systemMetaData: meta }
    meta.seal = (
      await sealEntity({
        k,
        content: sealedContent('patient', doc),
        seq: sealOf(original).seq + 1,
        creator,
        writer: s.dataOwnerId,
        proofKeys: new Map([[v.dataOwnerId, xk]]),
      })
    ).seal
    writeDoc('patient', doc)
    return k
  }

  it("the victim's own never-shared record, rewritten under a key the colleague wraps, is refused", async () => {
    const own = await v.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F3', lastName: 'Own', note: 'dose: 5 mg' }),
    )
    const original = readDoc('patient', own.id!)

    // Variant 1: V's own entry kept, S's entry added.
    await forge(original, true, v.dataOwnerId)
    await expectIntegrityError(
      (await reopen(v)).patientApi.getPatient(own.id!),
      'patient',
      own.id!,
      /different entity keys/,
    )
    await expectIntegrityError(v.api.patientApi.getPatient(own.id!), 'patient', own.id!)
    // Variant 2: V's entry deleted, only S's left; the seal still names V as creator.
    await forge(original, false, v.dataOwnerId)
    await expectIntegrityError(
      (await reopen(v)).patientApi.getPatient(own.id!),
      'patient',
      own.id!,
      /creator, but its key was not given by that data owner/,
    )
    await expectIntegrityError(v.api.patientApi.getPatient(own.id!), 'patient', own.id!)
    // Variant 3: the forgery honest about its creator (S) is refused by an instance that saw the
    // original, and by any instance with V's StorageFacade (the memory of created entities). Documented
    // limit: an instance with a fresh storage cannot tell it from a record S created and shared, but it
    // attributes it to S (verified), never to V.
    await forge(original, false, s.dataOwnerId)
    await expectIntegrityError(
      v.api.patientApi.getPatient(own.id!),
      'patient',
      own.id!,
      /creator or entity key changed/,
    )
    await expectIntegrityError(
      (await reopen(v)).patientApi.getPatient(own.id!),
      'patient',
      own.id!,
      /created it, but it now names .* as creator/,
    )
    const fresh = await (await reopen(v, undefined, new MemoryStorage())).patientApi.getPatient(own.id!)
    expect(fresh.systemMetaData?.seal?.creator).toBe(s.dataOwnerId)
    expect(fresh.systemMetaData?.writer).toEqual({ dataOwnerId: s.dataOwnerId, verified: true })
  })

  // Found by this file (fixed in 020a8c5): with a model carrying no systemMetaData, modify took the key of
  // the fetched revision without verifying it (no seal, no creator check), so the victim's NEW content was
  // saved under the colleague's k' (silently in a fresh instance; in the creating instance the rejection came
  // only after the server had stored it).
  it("the victim modifying its substituted record never encrypts new content under the colleague's key", async () => {
    const own = await v.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F3', lastName: 'Modified', note: 'dose: 5 mg' }),
    )
    const original = readDoc('patient', own.id!)
    const kPrime = await forge(original, false, v.dataOwnerId)
    const api = await reopen(v)
    const saved = await api.patientApi
      .createOrModifyPatient(
        new Patient({
          id: own.id,
          rev: original.rev,
          firstName: 'F3',
          lastName: 'Modified',
          note: 'dose: 7 mg',
        }),
      )
      .then(
        (p) => `saved: ${p.note}`,
        (e: unknown) => e as SdkError,
      )
    const stored = readDoc('patient', own.id!)
    const readByColleague = await decryptSelf(
      kPrime,
      'patient',
      own.id!,
      stored.systemMetaData.encryptedSelf!,
    ).then(
      (fields) => JSON.stringify(fields),
      () => 'unreadable',
    )
    expect.soft(readByColleague, "what S reads of the stored revision with k'").not.toContain('7 mg')
    expect.soft(saved, 'the modification').toBeInstanceOf(SdkError)
    if (saved instanceof SdkError) expect.soft(saved.code).toBe('INTEGRITY')
  })
  it("the victim never shares its substituted record (and so the colleague's key) with a third party", async () => {
    const own = await v.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F3', lastName: 'Shared', note: 'dose: 5 mg' }),
    )
    const original = readDoc('patient', own.id!)
    // Honest about its creator (S): only the instance that saw the original can tell the key changed.
    await forge(original, false, s.dataOwnerId)
    const e = await rejection(
      v.api.patientApi.giveAccessTo(
        new Patient({ id: own.id, rev: original.rev, firstName: 'F3', lastName: 'Shared' }),
        a.dataOwnerId,
      ),
    )
    expect(e.code, e.message).toBe('INTEGRITY')
    expect(readDoc('patient', own.id!).systemMetaData.encryptionKeys[a.dataOwnerId]).toBeUndefined()
  })
})

describe('5. relinking and redating (F7)', () => {
  it('a sample moved to another patient is neither listed there nor readable; a changed date or code is refused', async () => {
    const p1 = await a.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'F7', lastName: 'One' }))
    const p2 = await a.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'F7', lastName: 'Two' }))
    const moved = await a.api.dataSampleApi.createOrModifyDataSampleFor(p1.id!, glucose(7.1))
    const ofP2 = await a.api.dataSampleApi.createOrModifyDataSampleFor(p2.id!, glucose(4.9))
    // Shared with B: B did not write it, so once the operator drops the writer proofs, only the seal
    // protects what B reads.
    await a.api.dataSampleApi.giveAccessTo(moved, b.dataOwnerId)
    const original = readDoc('data_sample', moved.id!)
    const p1Sfks = original.systemMetaData.secretForeignKeys
    const p2Sfks = readDoc('data_sample', ofP2.id!).systemMetaData.secretForeignKeys
    const reports: Report[] = []
    const api = await reopen(a, reports)
    const listP2 = async () =>
      (await api.dataSampleApi.getDataSamplesForPatient(await api.patientApi.getPatient(p2.id!))).map(
        (x) => x.id,
      )
    const refusedByEveryReader = async () => {
      for (const reader of [api, b.api])
        await expectIntegrityError(reader.dataSampleApi.getDataSample(moved.id!), 'dataSample', moved.id!)
    }

    // (i) The server answers patient 2's query with patient 1's intact sample (index rewritten only).
    setSfkIndex('data_sample', moved.id!, [...p1Sfks, ...p2Sfks])
    expect(await listP2()).toEqual([ofP2.id])
    expect(reports).toEqual([expect.objectContaining({ kind: 'integrity', entityId: moved.id })])
    expect(reports[0].reason).toMatch(/not linked to patient/)

    // (ii) The document itself relinked (its secretForeignKeys changed).
    reports.length = 0
    writeDoc('data_sample', {
      ...withoutProofs(original),
      systemMetaData: { ...withoutProofs(original).systemMetaData, secretForeignKeys: p2Sfks },
    })
    setSfkIndex('data_sample', moved.id!, p2Sfks)
    expect(await listP2()).toEqual([ofP2.id])
    expect(reports).toEqual([expect.objectContaining({ kind: 'integrity', entityId: moved.id })])
    await refusedByEveryReader()

    // (iii) Redated; (iv) relabelled (another code, another label).
    writeDoc('data_sample', { ...withoutProofs(original), valueDate: 20230105083000 })
    setSfkIndex('data_sample', moved.id!, p1Sfks)
    await refusedByEveryReader()
    const hba1c = [{ id: 'LOINC|4548-4|2', type: 'LOINC', code: '4548-4', version: '2' }]
    writeDoc('data_sample', { ...withoutProofs(original), codes: hba1c })
    await refusedByEveryReader()
    writeDoc('data_sample', {
      ...withoutProofs(original),
      labels: [{ id: 'LABEL|cholesterol|1', type: 'LABEL', code: 'cholesterol', version: '1' }],
    })
    await refusedByEveryReader()

    // Restored, it reads again: the checks above refused the edits, not the sample.
    writeDoc('data_sample', original)
    for (const reader of [api, b.api])
      expect(valueOf(await reader.dataSampleApi.getDataSample(moved.id!))).toBe(7.1)
  })
})

describe('6. denial by one bad entry', () => {
  it('one tampered sample out of five is left out and reported once; the four others are listed', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Deny', lastName: 'One' }),
    )
    const samples = await a.api.dataSampleApi.createOrModifyDataSamplesFor(
      p.id!,
      [1, 2, 3, 4, 5].map((i) => glucose(5 + i / 10)),
    )
    const bad = samples[2]
    const doc = readDoc('data_sample', bad.id!)
    const bytes = Buffer.from(doc.systemMetaData.encryptedSelf!, 'base64')
    bytes[bytes.length - 20] ^= 0x01
    writeDoc('data_sample', {
      ...doc,
      systemMetaData: { ...doc.systemMetaData, encryptedSelf: bytes.toString('base64') },
    })
    const reports: Report[] = []
    const api = await reopen(a, reports)
    const listed = await api.dataSampleApi.getDataSamplesForPatient(await api.patientApi.getPatient(p.id!))
    expect(listed.map((s) => s.id).sort()).toEqual(
      samples
        .filter((s) => s.id !== bad.id)
        .map((s) => s.id)
        .sort(),
    )
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ kind: 'integrity', entityType: 'dataSample', entityId: bad.id })
  })
  // Found by this file (fixed in 020a8c5): an owner id read from a document (key entry, cryptedForeignKeys
  // entry, seal writer) went straight to GET /exchangekey/:delegator/:delegate; a non-UUID got a 400, an
  // SdkError BAD_REQUEST that EncryptedEntityStore.listed rethrew, so one entry made getDataSamplesForPatient
  // reject. Variant (3) needs no operator: a co-delegate holding the entity key saves it through the API.
  it('one entry naming a key owner or writer that is no data-owner id does not make the list fail', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Deny', lastName: 'Two' }),
    )
    const samples = await a.api.dataSampleApi.createOrModifyDataSamplesFor(
      p.id!,
      [1, 2, 3, 4, 5].map((i) => glucose(6 + i / 10)),
    )
    const bad = await a.api.dataSampleApi.giveAccessTo(samples[2], b.dataOwnerId)
    const others = samples.filter((s) => s.id !== bad.id).map((s) => s.id)
    const original = readDoc('data_sample', bad.id!)
    const meta = original.systemMetaData
    const bogus = 'not-a-data-owner'

    const check = async (variant: string) => {
      const reports: Report[] = []
      const api = await reopen(a, reports)
      const outcome = await api.dataSampleApi
        .getDataSamplesForPatient(await api.patientApi.getPatient(p.id!))
        .then((list) => list.map((s) => s.id))
        .catch((e: unknown) => `${variant}: the list rejects: ${(e as Error).message}`)
      expect.soft(outcome, variant).toEqual(expect.arrayContaining(others))
      if (Array.isArray(outcome)) {
        expect
          .soft(outcome.includes(bad.id) || reports.some((r) => r.entityId === bad.id), variant)
          .toBe(true)
        expect
          .soft(
            reports.filter((r) => r.entityId !== bad.id),
            variant,
          )
          .toEqual([])
      }
      const single = await api.dataSampleApi.getDataSample(bad.id!).then(
        (s) => (s.systemMetaData?.contentWithheld ? 'withheld' : 'read'),
        (e: unknown) => (e as SdkError).code,
      )
      expect
        .soft(['withheld', 'read', 'INTEGRITY'], `${variant}: getDataSample gave ${single}`)
        .toContain(single)
    }

    // (1) The operator names a bogus owner on the reader's key entry.
    writeDoc('data_sample', {
      ...original,
      systemMetaData: {
        ...meta,
        encryptionKeys: {
          ...meta.encryptionKeys,
          [a.dataOwnerId]: meta.encryptionKeys[a.dataOwnerId].map((e) => ({ ...e, owner: bogus })),
        },
      },
    })
    await check('(1) key entry owner')
    // (2) The operator adds a parent-id entry from a bogus owner (cryptedForeignKeys are not sealed).
    writeDoc('data_sample', {
      ...original,
      systemMetaData: {
        ...meta,
        cryptedForeignKeys: {
          ...meta.cryptedForeignKeys,
          [a.dataOwnerId]: [
            ...meta.cryptedForeignKeys[a.dataOwnerId],
            { owner: bogus, delegatedTo: a.dataOwnerId, key: original.systemMetaData.encryptedSelf! },
          ],
        },
      },
    })
    await check('(2) parent-id entry owner')
    writeDoc('data_sample', original)
    // (3) Co-delegate B, who holds the entity key, saves through the API a revision naming a bogus writer.
    const http = client(server.url)
    const { token } = await http.login(b.login, b.password)
    const current = (await http.get<EncryptedEntityDto>(`/rest/v1/datasample/${bad.id}`, token)).body
    const k = await entityKeyAs(b, 'dataSample', current)
    const { seal } = await sealEntity({
      k,
      content: sealedContent('dataSample', current),
      seq: sealOf(current).seq + 1,
      creator: sealOf(current).creator,
      writer: bogus,
      proofKeys: new Map([[a.dataOwnerId, k]]),
    })
    const saved = await http.put(
      '/rest/v1/datasample',
      { ...current, systemMetaData: { ...current.systemMetaData, seal } },
      token,
    )
    expect(saved.status, saved.text).toBe(200)
    await check('(3) writer')
  })
})

describe('7. rollback (F6)', () => {
  it('an instance never accepts a revision older than one it read; a fresh instance does (documented limit)', async () => {
    const created = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Roll', lastName: 'Back', note: 'no allergy' }),
    )
    const rev1 = await a.api.patientApi.getPatient(created.id!)
    const row1 = readRow('patient', created.id!)
    await a.api.patientApi.createOrModifyPatient(new Patient({ ...rev1, note: 'allergy: LATEX' }))
    expect((await a.api.patientApi.getPatient(created.id!)).note).toBe('allergy: LATEX')

    // The operator restores the stored revision-1 row as it was (document and rev).
    db.prepare('update patient set doc = ?, rev = ?, modified = ? where id = ?').run(
      row1.doc,
      row1.rev,
      row1.modified,
      row1.id,
    )
    await expectIntegrityError(a.api.patientApi.getPatient(created.id!), 'patient', created.id!, /rollback/)
    // Documented limit (docs/protocol.md): the memory of revisions lives in the API instance.
    expect((await (await reopen(a)).patientApi.getPatient(created.id!)).note).toBe('no allergy')
  })
})

describe('8. silent new keys', () => {
  let k: Actor
  const build = (strategies: SimpleMedTechCryptoStrategies) =>
    medTechApi()
      .withICureBaseUrl(server.url)
      .withUserName(k.login)
      .withPassword(k.password)
      .withStorage(new MemoryStorage())
      .withCryptoStrategies(strategies)
      .build()

  it('a garbage pair, another data owner pair, or no pair without permission: build() fails; the lost-key path warns', async () => {
    k = await newHcp(server, 'lost-key')
    const published = await fingerprintOf(publicKeyOf(k))

    const garbage = await rejection(
      build(new SimpleMedTechCryptoStrategies([{ privateKey: 'c0ffee', publicKey: 'beef' }])),
    )
    expect(garbage.message).toMatch(/not a valid RSA key pair/)

    const foreign = await rejection(build(new SimpleMedTechCryptoStrategies([pairOf(b)])))
    expect(foreign.message).toContain(`is not a key of data owner ${k.dataOwnerId}`)

    class NoNewKeys extends SimpleMedTechCryptoStrategies {
      override allowNewKeyPairGeneration(): Promise<boolean> {
        return Promise.resolve(false)
      }
    }
    const refused = await rejection(build(new NoNewKeys([])))
    expect(refused.message).toContain(k.dataOwnerId)
    expect(refused.message).toContain(published)

    // Default strategy, no key, memory storage: allowed (MedTech lost-key path), never silently.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      await build(new SimpleMedTechCryptoStrategies([]))
      const messages = warn.mock.calls.map((c) => c.map(String).join(' '))
      const lostKey = messages.find((m) => m.includes(k.dataOwnerId) && m.includes(published))
      expect(lostKey, messages.join('\n')).toBeDefined()
      expect(lostKey).toMatch(/lost when this process exits/i)
    } finally {
      warn.mockRestore()
    }
  })
})

describe('9. writer attribution', () => {
  it('a co-delegate writing is attributed to it (verified); a rewritten or impersonated writer is refused', async () => {
    const e = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Writer', lastName: 'Nine', note: 'by A' }),
    )
    await a.api.patientApi.giveAccessTo(e, b.dataOwnerId)
    const asB = await b.api.patientApi.getPatient(e.id!)
    await b.api.patientApi.createOrModifyPatient(new Patient({ ...asB, note: 'by B' }))
    const read = await a.api.patientApi.getPatient(e.id!)
    expect(read.note).toBe('by B')
    expect(read.systemMetaData?.writer).toEqual({ dataOwnerId: b.dataOwnerId, verified: true })

    // The operator rewrites the writer.
    const doc = readDoc('patient', e.id!)
    writeDoc('patient', {
      ...doc,
      systemMetaData: { ...doc.systemMetaData, seal: { ...sealOf(doc), writer: a.dataOwnerId } },
    })
    await expectIntegrityError(a.api.patientApi.getPatient(e.id!), 'patient', e.id!)

    // B, who holds the entity key, seals a revision claiming A wrote it (keeping its own proofs).
    const k = await entityKeyAs(b, 'patient', doc)
    const meta = {
      ...doc.systemMetaData,
      encryptedSelf: await encryptSelf(k, 'patient', doc.id, { note: 'by A, trust me' }),
    }
    const impersonated = { ...doc, systemMetaData: meta }
    const { seal } = await sealEntity({
      k,
      content: sealedContent('patient', impersonated),
      seq: sealOf(doc).seq + 1,
      creator: sealOf(doc).creator,
      writer: a.dataOwnerId,
      proofKeys: new Map(),
    })
    meta.seal = { ...seal, proofs: sealOf(doc).proofs }
    writeDoc('patient', impersonated)
    await expectIntegrityError(a.api.patientApi.getPatient(e.id!), 'patient', e.id!, /writer/)
    meta.seal = { ...seal, proofs: {} }
    writeDoc('patient', impersonated)
    await expectIntegrityError(a.api.patientApi.getPatient(e.id!), 'patient', e.id!, /writer/)
  })
})

describe('10. protocol versions', () => {
  it('an entity or exchange key stored as protocol v1 is refused as an unsupported protocol version', async () => {
    const c = await newHcp(server, 'version-reader')
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'V1', lastName: 'Ten', note: 'v2' }),
    )
    const doc = readDoc('patient', p.id!)
    // No seal (a v1 document).
    const { seal: _seal, ...unsealed } = doc.systemMetaData
    writeDoc('patient', { ...doc, systemMetaData: unsealed })
    await expectIntegrityError(
      a.api.patientApi.getPatient(p.id!),
      'patient',
      p.id!,
      /unsupported protocol version/,
    )
    // A seal marked v1.
    writeDoc('patient', {
      ...withoutProofs(doc),
      systemMetaData: { ...withoutProofs(doc).systemMetaData, seal: { ...sealOf(doc), v: 1, proofs: {} } },
    })
    await expectIntegrityError(
      a.api.patientApi.getPatient(p.id!),
      'patient',
      p.id!,
      /unsupported protocol version/,
    )
    writeDoc('patient', doc)

    // An exchange key K(A -> C) marked v1: C never uses it.
    const shared = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'V1', lastName: 'Shared', note: 'for C' }),
    )
    await a.api.patientApi.giveAccessTo(shared, c.dataOwnerId)
    for (const record of exchangeKeyRecords(a.dataOwnerId, c.dataOwnerId)) {
      db.prepare('update exchange_key set doc = ? where id = ?').run(
        JSON.stringify({ ...record, v: 1 }),
        record.id,
      )
    }
    const api = await reopen(c)
    const e = await rejection(api.patientApi.getPatient(shared.id!))
    expect(e.message).not.toContain('for C')
    // The reason is only kept on the exchange-key manager (not in the error the app gets: see the report).
    const refused = (api as unknown as { ctx: { exchangeKeys: { refused: { reason: string }[] } } }).ctx
      .exchangeKeys.refused
    expect(refused.map((r) => r.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/unsupported protocol version 1/)]),
    )
  })
})

describe('11. wrap binding', () => {
  it("another entity's whole systemMetaData pasted onto a sample is refused, never read as that entity", async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Wrap', lastName: 'Eleven' }),
    )
    const x = await a.api.dataSampleApi.createOrModifyDataSampleFor(p.id!, glucose(9.9, 'content of X'))
    const y = await a.api.dataSampleApi.createOrModifyDataSampleFor(p.id!, glucose(4.4, 'content of Y'))
    const docX = readDoc('data_sample', x.id!)
    const docY = readDoc('data_sample', y.id!)
    writeDoc('data_sample', { ...docY, systemMetaData: docX.systemMetaData })

    // X's key entries are bound to X (wrap AAD): under exchange keys the reader holds, they do not open
    // for Y, which is tampering. (Were they to open, the seal's key commitment, bound to X, would refuse
    // Y next, with another reason: the reason tells the two checks apart.)
    await expectIntegrityError(
      a.api.dataSampleApi.getDataSample(y.id!),
      'dataSample',
      y.id!,
      /its key entry for this data owner was changed/,
    )
    const reports: Report[] = []
    const api = await reopen(a, reports)
    const listed = await api.dataSampleApi.getDataSamplesForPatient(await api.patientApi.getPatient(p.id!))
    expect(listed.map((s) => s.id)).toEqual([x.id])
    expect(listed[0].comment).toBe('content of X')
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ kind: 'integrity', entityId: y.id })
    expect(reports[0].reason).toMatch(/its key entry for this data owner was changed/)
  })
})
