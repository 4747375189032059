import { beforeAll, describe, expect, it } from 'vitest'
import { generateAesKey, type AesKey } from '@cairn/crypto'
import type { EncryptedEntityDto } from '@cairn/protocol'
import { ENTITY_KEY_TAG, EntityCrypto } from './entity-crypto.ts'
import type { ExchangeKeyManager } from './exchange-key-manager.ts'

/**
 * Exchange keys for a closed world of data owners: one AES key per ordered pair, as the real
 * manager would return after opening the signed records (tested in @cairn/crypto and end to end).
 */
const keys = new Map<string, Promise<AesKey>>()
/** K(a -> b) of the test world. */
const pairKeyOf = (a: string, b: string) => {
  const k = `${a}->${b}`
  if (!keys.has(k)) keys.set(k, generateAesKey())
  return keys.get(k)!
}

function pairKeys(): (self: string) => ExchangeKeyManager {
  const pair = pairKeyOf
  return (self) =>
    ({
      keyTo: (delegate: string) => pair(self, delegate),
      keysFrom: async (delegator: string) => [await pair(delegator, self)],
      clear: () => undefined,
    }) as unknown as ExchangeKeyManager
}

describe('EntityCrypto', () => {
  const A = '00000000-0000-4000-8000-00000000000a'
  const B = '00000000-0000-4000-8000-00000000000b'
  const C = '00000000-0000-4000-8000-00000000000c'
  const P = '00000000-0000-4000-8000-0000000000ff'
  let a: EntityCrypto
  let b: EntityCrypto
  let c: EntityCrypto

  beforeAll(() => {
    const world = pairKeys()
    a = new EntityCrypto(A, world(A))
    b = new EntityCrypto(B, world(B))
    c = new EntityCrypto(C, world(C))
  })

  async function newDoc(
    owner: EntityCrypto,
    delegates: string[],
    parent?: { patientId: string; secretId: string },
  ) {
    const id = crypto.randomUUID()
    const { meta, key } = await owner.newMetadata('dataSample', id, delegates, parent)
    meta.encryptedSelf = await owner.encryptFields('dataSample', id, key, { comment: 'secret' })
    return { id, systemMetaData: meta } as EncryptedEntityDto
  }

  it('gives the creator and each delegate the key, one shared secret id and parent id', async () => {
    const doc = await newDoc(a, [B], { patientId: P, secretId: 'patient-secret' })
    const m = doc.systemMetaData
    expect(Object.keys(m.encryptionKeys).sort()).toEqual([A, B])
    expect(m.secretForeignKeys).toEqual(['patient-secret'])
    // Values under the entity key are one ciphertext for every delegate, tagged as such.
    expect(m.delegations[A][0].key).toBe(m.delegations[B][0].key)
    expect(m.delegations[B][0].tags).toEqual([ENTITY_KEY_TAG])
    expect(m.encryptionKeys[A][0].key).not.toBe(m.encryptionKeys[B][0].key)
    expect(await b.decryptFields('dataSample', doc)).toEqual({ comment: 'secret' })
    expect(await b.parentIdsOf('dataSample', doc)).toEqual([P])
    expect(await b.secretIdsOf('dataSample', doc)).toEqual(await a.secretIdsOf('dataSample', doc))
    expect(await c.decryptFields('dataSample', doc)).toBeUndefined()
    expect(await c.parentIdsOf('dataSample', doc)).toEqual([])
  })

  it('shares further: the delegate reads everything, and sharing twice is a no-op', async () => {
    const doc = await newDoc(a, [], { patientId: P, secretId: 's' })
    const toB = (await a.share('dataSample', doc, B))!.doc
    const toC = (await b.share('dataSample', toB, C))!.doc
    expect(toC.systemMetaData.encryptionKeys[C][0].owner).toBe(B)
    expect(await c.decryptFields('dataSample', toC)).toEqual({ comment: 'secret' })
    expect(await c.parentIdsOf('dataSample', toC)).toEqual([P])
    expect(await a.share('dataSample', toC, C)).toBeUndefined()
    // The input document is not mutated.
    expect(Object.keys(doc.systemMetaData.encryptionKeys)).toEqual([A])
  })

  it('a secret id held only under an exchange key (no entity key) is shared under exchange keys', async () => {
    const doc = await newDoc(a, [])
    const withOwnSecret = await b.withNewSecretIdForSelf('patient', {
      ...doc,
      systemMetaData: { ...doc.systemMetaData },
    })
    const [bSecret] = await b.secretIdsOf('patient', withOwnSecret)
    expect(bSecret).toMatch(/^[0-9a-f-]{36}$/)
    expect(await b.decryptFields('patient', withOwnSecret)).toBeUndefined()
    const toC = (await b.share('patient', withOwnSecret, C))!.doc
    expect(toC.systemMetaData.delegations[C][0].tags).toBeUndefined()
    expect(await c.secretIdsOf('patient', toC)).toEqual([bSecret])
    await expect(
      a.share(
        'patient',
        { ...doc, systemMetaData: { ...doc.systemMetaData, encryptionKeys: {}, delegations: {} } },
        C,
      ),
    ).rejects.toThrow(/holds none of its keys/)
  })

  it('a bogus entity key another delegate slips in before the genuine one does not hide the entity', async () => {
    const doc = await newDoc(a, [B, C])
    // C (a co-delegate, allowed to add its own entries) wraps a random key for B under K(C -> B).
    const { wrapValue } = await import('@cairn/crypto')
    const random = await generateAesKey()
    const fake = {
      owner: C,
      delegatedTo: B,
      key: await wrapValue(await pairKeyOf(C, B), 'ek', 'dataSample', doc.id, B, random.raw),
    }
    const attacked = {
      ...doc,
      systemMetaData: {
        ...doc.systemMetaData,
        encryptionKeys: {
          ...doc.systemMetaData.encryptionKeys,
          [B]: [fake, ...doc.systemMetaData.encryptionKeys[B]],
        },
      },
    }
    expect(await b.decryptFields('dataSample', attacked)).toEqual({ comment: 'secret' })
    // With only the bogus entry, B is told the content does not authenticate.
    const only = {
      ...doc,
      systemMetaData: {
        ...doc.systemMetaData,
        encryptionKeys: { ...doc.systemMetaData.encryptionKeys, [B]: [fake] },
      },
    }
    await expect(b.decryptFields('dataSample', only)).rejects.toThrow(/authentication failed/)
  })

  it('an entity-key value is bound to its entity: copied to another entity it does not open', async () => {
    const one = await newDoc(a, [B], { patientId: P, secretId: 's' })
    const two = await newDoc(a, [B], { patientId: P, secretId: 's' })
    const forged = {
      ...two,
      systemMetaData: {
        ...two.systemMetaData,
        cryptedForeignKeys: { [B]: one.systemMetaData.cryptedForeignKeys[B] },
      },
    }
    expect(await b.parentIdsOf('dataSample', forged)).toEqual([])
  })
})
