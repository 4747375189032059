import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import {
  createExchangeKey,
  encryptSelf,
  generateAesKey,
  generateKeyPairHex,
  importKeyPair,
  importPublicKey,
  wrapValue,
} from '@cairn/crypto'
import type { EncryptedEntityDto, ExchangeKeyDto } from '@cairn/protocol'
import { DataSample, Patient } from '@cairn/sdk'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'

/**
 * A compromised server (or database) must not make the SDK accept data or keys it forged: each
 * attack edits the stored documents directly in the server's SQLite database, then a client reads.
 */
describe('the SDK refuses tampered and forged data', () => {
  let server: ServerProcess
  let db: Database.Database
  let hcp1: Actor
  let hcp2: Actor

  const readDoc = (table: string, id: string) =>
    JSON.parse(
      (db.prepare(`select doc from ${table} where id = ?`).get(id) as { doc: string }).doc,
    ) as EncryptedEntityDto
  const writeDoc = (table: string, doc: EncryptedEntityDto) => {
    db.prepare(`update ${table} set doc = ? where id = ?`).run(JSON.stringify(doc), doc.id)
    for (const owner of Object.keys(doc.systemMetaData.delegations)) {
      db.prepare(`insert or ignore into ${table}_access (data_owner_id, entity_id) values (?, ?)`).run(
        owner,
        doc.id,
      )
    }
  }

  beforeAll(async () => {
    server = await startServer()
    hcp1 = await newHcp(server, 'victim')
    hcp2 = await newHcp(server, 'reader')
    db = new Database(join(server.dataDir, 'cairn.db'))
    db.pragma('busy_timeout = 5000')
  })
  afterAll(async () => {
    db?.close()
    await disposeServer(server)
  })

  it('a tampered encryptedSelf is refused (AES-GCM authentication), never returned as garbage', async () => {
    const patient = await hcp1.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'T', lastName: 'One', note: 'secret note' }),
    )
    const doc = readDoc('patient', patient.id!)
    const bytes = Buffer.from(doc.systemMetaData.encryptedSelf!, 'base64')
    bytes[bytes.length - 20] ^= 0x01
    writeDoc('patient', {
      ...doc,
      systemMetaData: { ...doc.systemMetaData, encryptedSelf: bytes.toString('base64') },
    })
    await expect(hcp1.api.patientApi.getPatient(patient.id!)).rejects.toThrow(
      /Integrity check failed for patient .*the seal does not match the content/,
    )
  })

  it('ciphertext swapped in from another entity is refused (bound to its entity by AAD)', async () => {
    const a = await hcp1.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'A', lastName: 'Swap', note: 'note of A' }),
    )
    const b = await hcp1.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'B', lastName: 'Swap', note: 'note of B' }),
    )
    const docA = readDoc('patient', a.id!)
    const docB = readDoc('patient', b.id!)
    writeDoc('patient', { ...docB, systemMetaData: { ...docA.systemMetaData } })
    // The pasted key entry is bound to A (wrap AAD): under an exchange key hcp1 holds, it does not
    // open for B, which is tampering (protocol v2), never B read as A's content.
    await expect(hcp1.api.patientApi.getPatient(b.id!)).rejects.toThrow(
      new RegExp(`Integrity check failed for patient ${b.id}: its key entry for this data owner was changed`),
    )
  })

  it('a wrapped entity key moved to another entity or delegate does not unwrap', async () => {
    const shared = await hcp1.api.dataSampleApi.createOrModifyDataSampleFor(
      (await hcp1.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'C', lastName: 'Move' })))
        .id!,
      new DataSample({ content: { en: { stringValue: 'visible to hcp2' } } }),
    )
    await hcp1.api.dataSampleApi.giveAccessTo(shared, hcp2.dataOwnerId)
    const target = await hcp1.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'D', lastName: 'Move', note: 'only hcp1' }),
    )
    const source = readDoc('data_sample', shared.id!)
    const victim = readDoc('patient', target.id!)
    // The attacker gives hcp2 "access" to the patient by copying hcp2's wrapped values of the sample.
    const meta = victim.systemMetaData
    writeDoc('patient', {
      ...victim,
      systemMetaData: {
        ...meta,
        encryptionKeys: {
          ...meta.encryptionKeys,
          [hcp2.dataOwnerId]: source.systemMetaData.encryptionKeys[hcp2.dataOwnerId],
        },
        delegations: {
          ...meta.delegations,
          [hcp2.dataOwnerId]: source.systemMetaData.delegations[hcp2.dataOwnerId],
        },
      },
    })
    await expect(hcp2.api.patientApi.getPatient(target.id!)).rejects.toThrow(
      `Integrity check failed for patient ${target.id}: its key entry for this data owner was changed`,
    )
    // And hcp1's own entry moved to hcp2's slot does not unwrap for hcp2 either (delegate bound by AAD).
    writeDoc('patient', {
      ...victim,
      systemMetaData: {
        ...meta,
        encryptionKeys: {
          ...meta.encryptionKeys,
          [hcp2.dataOwnerId]: meta.encryptionKeys[hcp1.dataOwnerId].map((e) => ({
            ...e,
            delegatedTo: hcp2.dataOwnerId,
          })),
        },
        delegations: {
          ...meta.delegations,
          [hcp2.dataOwnerId]: meta.delegations[hcp1.dataOwnerId].map((e) => ({
            ...e,
            delegatedTo: hcp2.dataOwnerId,
          })),
        },
      },
    })
    await expect(hcp2.api.patientApi.getPatient(target.id!)).rejects.toThrow(
      `Integrity check failed for patient ${target.id}: its key entry for this data owner was changed`,
    )
  })

  it('an exchange key the server forged for a delegate is refused (delegator signature)', async () => {
    // The server knows every public key; it makes K' for hcp1 -> hcp2 and signs with its own key.
    const serverKey = await importKeyPair(await generateKeyPairHex())
    const hcp2Key = await importPublicKey(
      hcp2.api.dataOwnerApi.getPublicKeysOf(await hcp2.api.dataOwnerApi.getDataOwner(hcp2.dataOwnerId))[0],
    )
    const { record, key: forgedKey } = await createExchangeKey({
      delegatorId: hcp1.dataOwnerId,
      delegateId: hcp2.dataOwnerId,
      signer: serverKey,
      recipients: [hcp2Key],
    })
    const hcp1Fingerprint = (
      await importPublicKey(
        hcp1.api.dataOwnerApi.getPublicKeysOf(await hcp1.api.dataOwnerApi.getDataOwner(hcp1.dataOwnerId))[0],
      )
    ).fingerprint
    for (const signerFingerprint of [record.signerFingerprint, hcp1Fingerprint]) {
      const forged: ExchangeKeyDto = {
        ...record,
        signerFingerprint,
        id: crypto.randomUUID(),
        rev: '1-x',
        created: Date.now(),
      }
      db.prepare(
        'insert into exchange_key (id, rev, doc, created, modified, deleted, delegator, delegate) values (?, ?, ?, ?, ?, 0, ?, ?)',
      ).run(
        forged.id,
        forged.rev,
        JSON.stringify(forged),
        forged.created,
        forged.created,
        forged.delegator,
        forged.delegate,
      )
    }
    // ... and plants a patient "from hcp1" readable with K'.
    const patient = await hcp1.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'E', lastName: 'Forged' }),
    )
    const doc = readDoc('patient', patient.id!)
    const k = await generateAesKey()
    const entry = async (purpose: 'ek' | 'sid', value: Uint8Array | string) => ({
      owner: hcp1.dataOwnerId,
      delegatedTo: hcp2.dataOwnerId,
      key: await wrapValue(forgedKey, purpose, 'patient', doc.id, hcp2.dataOwnerId, value),
    })
    writeDoc('patient', {
      ...doc,
      note: undefined,
      systemMetaData: {
        ...doc.systemMetaData,
        encryptedSelf: await encryptSelf(k, 'patient', doc.id, { note: 'planted by the server' }),
        encryptionKeys: {
          ...doc.systemMetaData.encryptionKeys,
          [hcp2.dataOwnerId]: [await entry('ek', k.raw)],
        },
        delegations: { ...doc.systemMetaData.delegations, [hcp2.dataOwnerId]: [await entry('sid', 'x')] },
      },
    })
    await hcp2.api.forceReload()
    // The entry is under the forged record, which is refused; under hcp1's genuine record (which hcp2
    // holds) it does not open: tampering, refused as such.
    await expect(hcp2.api.patientApi.getPatient(patient.id!)).rejects.toThrow(
      `Integrity check failed for patient ${patient.id}: its key entry for this data owner was changed`,
    )
    // hcp1's own data still works: the forged records are ignored, not fatal.
    const genuine = await hcp1.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'F', lastName: 'Genuine', note: 'real' }),
    )
    await hcp1.api.patientApi.giveAccessTo(genuine, hcp2.dataOwnerId)
    expect((await hcp2.api.patientApi.getPatient(genuine.id!)).note).toBe('real')
  })
})
