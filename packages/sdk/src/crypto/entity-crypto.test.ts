import { beforeAll, describe, expect, it } from 'vitest'
import {
  encryptSelf,
  generateAesKey,
  keyCommitment,
  sealDigest,
  sealEntity,
  wrapValue,
  writerProof,
  type AesKey,
  type EntitySeal,
} from '@cairn/crypto'
import type { DelegationDto, EncryptedEntityDto } from '@cairn/protocol'
import { ENTITY_KEY_TAG, EntityCrypto, sealedContent } from './entity-crypto.ts'
import type { ExchangeKeyManager } from './exchange-key-manager.ts'
import { IntegrityError } from './integrity-error.ts'
import { SdkError } from '../http/sdk-error.ts'

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
      keysToRead: async (delegate: string) => [await pair(self, delegate)],
      hasUnopened: () => false,
      lostOwnKeys: () => Promise.resolve(false),
      clear: () => undefined,
    }) as unknown as ExchangeKeyManager
}

/**
 * The exchange keys of `self` on a device made after it lost its key: its old pairs are gone (a new
 * self pair, records it cannot open), except the pairs toward the data owners in `givenBack`, which
 * gave its new key access to them.
 */
function afterLoss(self: string, givenBack: string[]): ExchangeKeyManager {
  const fresh = generateAesKey()
  return {
    keyTo: async (delegate: string) => (delegate === self ? fresh : pairKeyOf(self, delegate)),
    keysFrom: async (delegator: string) =>
      delegator === self
        ? [await fresh]
        : givenBack.includes(delegator)
          ? [await pairKeyOf(delegator, self)]
          : [],
    keysToRead: async (delegate: string) =>
      givenBack.includes(delegate) ? [await pairKeyOf(self, delegate)] : [],
    // The lost pairs have records this device cannot open; those given back open in full.
    lostOwnKeys: () => Promise.resolve(true),
    hasUnopened: (delegator: string, delegate: string) =>
      delegator === self && delegate === self
        ? true
        : !givenBack.includes(delegator === self ? delegate : delegator),
    clear: () => undefined,
  } as unknown as ExchangeKeyManager
}

/** The IntegrityError `p` rejects with (fails the test if it resolves or rejects with something else). */
async function integrityError(p: Promise<unknown>): Promise<IntegrityError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(IntegrityError)
  expect(e).toBeInstanceOf(SdkError)
  expect((e as IntegrityError).code).toBe('INTEGRITY')
  return e as IntegrityError
}

/** A copy of `doc` with other systemMetaData fields. */
const withMeta = (doc: EncryptedEntityDto, meta: Partial<EncryptedEntityDto['systemMetaData']>) =>
  ({ ...doc, systemMetaData: { ...doc.systemMetaData, ...meta } }) as EncryptedEntityDto

describe('EntityCrypto', () => {
  const A = '00000000-0000-4000-8000-00000000000a'
  const B = '00000000-0000-4000-8000-00000000000b'
  const C = '00000000-0000-4000-8000-00000000000c'
  const P = '00000000-0000-4000-8000-0000000000ff'
  const world = pairKeys()
  let a: EntityCrypto
  let b: EntityCrypto
  let c: EntityCrypto

  beforeAll(() => {
    a = new EntityCrypto(A, world(A))
    b = new EntityCrypto(B, world(B))
    c = new EntityCrypto(C, world(C))
  })

  /** A sealed revision 1 created by `owner`, with clear fields and encrypted fields. */
  async function newDoc(
    owner: EntityCrypto,
    delegates: string[],
    parent?: { patientId: string; secretId: string },
  ): Promise<EncryptedEntityDto & { key: AesKey }> {
    const id = crypto.randomUUID()
    const { meta, key } = await owner.newMetadata('dataSample', id, delegates, parent)
    meta.encryptedSelf = await owner.encryptFields('dataSample', id, key, { comment: 'secret' })
    const doc = {
      id,
      rev: '1-a',
      valueDate: 20240131,
      labels: [{ type: 'LOINC', code: '1234-5' }],
      systemMetaData: meta,
    } as EncryptedEntityDto
    meta.seal = await owner.seal('dataSample', doc, key)
    // The key is attached for the tests' own use as a non-enumerable property: copies ({ ...doc }) and
    // the sealed content do not see it.
    return Object.defineProperty(doc, 'key', { value: key, enumerable: false }) as EncryptedEntityDto & {
      key: AesKey
    }
  }

  /** The next revision of `doc` written by `writer` (which must hold the key): new clear and secret fields. */
  async function modified(
    writer: EntityCrypto,
    doc: EncryptedEntityDto,
    clear: Record<string, unknown>,
    secret: Record<string, unknown>,
  ): Promise<EncryptedEntityDto> {
    const key = (await writer.entityKey('dataSample', doc))!
    const meta = { ...doc.systemMetaData }
    const next = {
      ...doc,
      ...clear,
      rev: `${Number(doc.rev?.split('-')[0] ?? 1) + 1}-x`,
      systemMetaData: meta,
    }
    meta.encryptedSelf = await writer.encryptFields('dataSample', doc.id, key, secret)
    meta.seal = await writer.seal('dataSample', next, key, doc.systemMetaData.seal)
    return next
  }

  describe('after a lost key', () => {
    it('reads its own entity through the entry it wrote for a data owner that gave access back', async () => {
      const doc = await newDoc(a, [B], { patientId: P, secretId: 'patient-secret' })
      const lost = new EntityCrypto(A, afterLoss(A, [B]))
      const opened = (await lost.open('dataSample', doc))!
      expect(opened.fields).toEqual({ comment: 'secret' })
      expect(await lost.parentIdsOf('dataSample', doc)).toEqual([P])
      expect(await lost.secretIdsOf('dataSample', doc)).toEqual(await a.secretIdsOf('dataSample', doc))
      // Its writer proof was under the lost self pair: unproven, not refused.
      expect(opened.writer).toEqual({ dataOwnerId: A, verified: false })
    })

    it('never reads through its entries for others on a device that did not lose its keys', async () => {
      const doc = await newDoc(a, [B])
      const planted = {
        ...afterLoss(A, [B]),
        lostOwnKeys: () => Promise.resolve(false),
      } as unknown as ExchangeKeyManager
      expect(await new EntityCrypto(A, planted).open('dataSample', doc)).toBeUndefined()
    })

    it('stays withheld (not refused) while nobody gave access back', async () => {
      const doc = await newDoc(a, [B])
      expect(await new EntityCrypto(A, afterLoss(A, [])).open('dataSample', doc)).toBeUndefined()
    })

    it('still refuses a changed entry it holds the exchange key for', async () => {
      const doc = await newDoc(a, [B])
      const entries = doc.systemMetaData.encryptionKeys
      const other = await newDoc(a, [B])
      const swapped = withMeta(doc, {
        encryptionKeys: { ...entries, [B]: other.systemMetaData.encryptionKeys[B] },
      })
      await integrityError(new EntityCrypto(A, afterLoss(A, [B])).open('dataSample', swapped))
    })
  })

  it('gives the creator and each delegate the key, one shared secret id and parent id', async () => {
    const doc = await newDoc(a, [B], { patientId: P, secretId: 'patient-secret' })
    const m = doc.systemMetaData
    expect(Object.keys(m.encryptionKeys).sort()).toEqual([A, B])
    expect(m.secretForeignKeys).toEqual(['patient-secret'])
    // Values under the entity key are one ciphertext for every delegate, tagged as such.
    expect(m.delegations[A][0].key).toBe(m.delegations[B][0].key)
    expect(m.delegations[B][0].tags).toEqual([ENTITY_KEY_TAG])
    expect(m.encryptionKeys[A][0].key).not.toBe(m.encryptionKeys[B][0].key)
    expect(await b.parentIdsOf('dataSample', doc)).toEqual([P])
    expect(await b.secretIdsOf('dataSample', doc)).toEqual(await a.secretIdsOf('dataSample', doc))
    expect(await c.parentIdsOf('dataSample', doc)).toEqual([])
  })

  it('seals revision 1 with the creator as creator and writer, and a writer proof per delegate', async () => {
    const doc = await newDoc(a, [B])
    const seal = doc.systemMetaData.seal as EntitySeal
    expect(seal.v).toBe(2)
    expect(seal.seq).toBe(1)
    expect(seal.creator).toBe(A)
    expect(seal.writer).toBe(A)
    expect(seal.commitment).toBe(await keyCommitment(doc.key, 'dataSample', doc.id))
    expect(Object.keys(seal.proofs).sort()).toEqual([A, B])
    // The clear part covers the clear fields, but neither systemMetaData, the id nor server-managed fields.
    expect(sealedContent('dataSample', doc).clear).toEqual({
      valueDate: 20240131,
      labels: [{ type: 'LOINC', code: '1234-5' }],
    })
  })

  it('the creator and a delegate both open it; the writer is verified for both', async () => {
    const doc = await newDoc(a, [B])
    for (const reader of [a, b]) {
      const opened = (await reader.open('dataSample', doc))!
      expect(opened.fields).toEqual({ comment: 'secret' })
      expect(opened.key.raw).toEqual(doc.key.raw)
      expect(opened.seal).toEqual(doc.systemMetaData.seal)
      expect(opened.writer).toEqual({ dataOwnerId: A, verified: true })
    }
    expect((await b.entityKey('dataSample', doc))!.raw).toEqual(doc.key.raw)
  })

  it('a third party gets undefined (content withheld), not an error', async () => {
    const doc = await newDoc(a, [B])
    expect(await c.open('dataSample', doc)).toBeUndefined()
    expect(await c.entityKey('dataSample', doc)).toBeUndefined()
    // Even without a seal: it holds no key, so there is nothing to check.
    expect(await c.open('dataSample', withMeta(doc, { seal: undefined }))).toBeUndefined()
  })

  it('server-managed fields (rev, modified, author, ...) can change without breaking the seal', async () => {
    const doc = await newDoc(a, [B])
    const served = {
      ...doc,
      rev: '7-z',
      created: 1,
      modified: 2,
      author: 'user-x',
      responsible: A,
    } as EncryptedEntityDto
    expect((await b.open('dataSample', served))!.fields).toEqual({ comment: 'secret' })
  })

  it('the key order of the clear fields as served does not matter', async () => {
    const doc = await newDoc(a, [B])
    const reordered = {
      systemMetaData: doc.systemMetaData,
      labels: [{ code: '1234-5', type: 'LOINC' }],
      valueDate: 20240131,
      id: doc.id,
    } as EncryptedEntityDto
    expect((await b.open('dataSample', reordered))!.fields).toEqual({ comment: 'secret' })
  })

  describe('tampering by someone without the entity key -> IntegrityError', () => {
    it('a changed clear field', async () => {
      const doc = await newDoc(a, [B])
      const e = await integrityError(b.open('dataSample', { ...doc, valueDate: 20991231 }))
      expect(e.entityType).toBe('dataSample')
      expect(e.entityId).toBe(doc.id)
    })

    it('an added or removed clear field', async () => {
      const doc = await newDoc(a, [B])
      await integrityError(b.open('dataSample', { ...doc, comment: 'injected' }))
      const { labels: _l, ...withoutLabels } = doc
      await integrityError(b.open('dataSample', withoutLabels))
    })

    it('changed secretForeignKeys (relinked to another patient)', async () => {
      const doc = await newDoc(a, [B], { patientId: P, secretId: 'patient-secret' })
      await integrityError(
        b.open('dataSample', withMeta(doc, { secretForeignKeys: ['other-patient-secret'] })),
      )
      await integrityError(b.open('dataSample', withMeta(doc, { secretForeignKeys: [] })))
      await integrityError(
        b.open(
          'dataSample',
          withMeta(doc, { secretForeignKeys: ['patient-secret', 'other-patient-secret'] }),
        ),
      )
    })

    it('a changed encryptedSelf, even one that decrypts under the entity key', async () => {
      const doc = await newDoc(a, [B])
      // Another valid ciphertext under the same key (made by a holder of k without re-sealing).
      const other = await encryptSelf(doc.key, 'dataSample', doc.id, { comment: 'forged' })
      await integrityError(b.open('dataSample', withMeta(doc, { encryptedSelf: other })))
      await integrityError(b.open('dataSample', withMeta(doc, { encryptedSelf: undefined })))
      // The encrypted content of another entity under its own (readable) key and seal cannot be moved here.
      const another = await newDoc(a, [B])
      await integrityError(
        b.open('dataSample', withMeta(doc, { encryptedSelf: another.systemMetaData.encryptedSelf })),
      )
    })

    it('a changed seal (seq, creator, writer, tag)', async () => {
      const doc = await newDoc(a, [B])
      const seal = doc.systemMetaData.seal as EntitySeal
      for (const changed of [
        { ...seal, seq: 2 },
        { ...seal, creator: C },
        { ...seal, writer: C },
        { ...seal, tag: seal.commitment },
      ]) {
        await integrityError(
          new EntityCrypto(B, world(B)).open('dataSample', withMeta(doc, { seal: changed })),
        )
      }
    })

    it('the seal of another entity (its commitment binds its own id and key)', async () => {
      const one = await newDoc(a, [B])
      const two = await newDoc(a, [B])
      await integrityError(b.open('dataSample', withMeta(one, { seal: two.systemMetaData.seal })))
    })

    it('a missing seal', async () => {
      const doc = await newDoc(a, [B])
      const e = await integrityError(b.open('dataSample', withMeta(doc, { seal: undefined })))
      expect(e.reason).toMatch(/no seal/)
      await integrityError(a.open('dataSample', withMeta(doc, { seal: undefined })))
      await integrityError(b.entityKey('dataSample', withMeta(doc, { seal: undefined })))
    })
  })

  describe('writer attribution', () => {
    it('a forged or swapped writer proof -> IntegrityError', async () => {
      const doc = await newDoc(a, [B])
      const seal = doc.systemMetaData.seal as EntitySeal
      const forged = { ...seal, proofs: { ...seal.proofs, [B]: seal.proofs[A] } }
      const e = await integrityError(b.open('dataSample', withMeta(doc, { seal: forged })))
      expect(e.reason).toMatch(/writer proof/)
    })

    it('a proof removed by the server only makes the writer unverified for that delegate', async () => {
      const doc = await newDoc(a, [B])
      const seal = doc.systemMetaData.seal as EntitySeal
      const stripped = withMeta(doc, { seal: { ...seal, proofs: { [A]: seal.proofs[A] } } })
      expect((await b.open('dataSample', stripped))!.writer).toEqual({ dataOwnerId: A, verified: false })
    })

    it('a seal naming the reader as writer without its proof -> IntegrityError', async () => {
      const doc = await newDoc(a, [B])
      const seal = doc.systemMetaData.seal as EntitySeal
      const e = await integrityError(
        a.open('dataSample', withMeta(doc, { seal: { ...seal, proofs: { [B]: seal.proofs[B] } } })),
      )
      expect(e.reason).toMatch(/as writer without its proof/)
    })

    it('a delegate holding the key cannot pass its revision off as written by someone else', async () => {
      const doc = await newDoc(a, [B, C])
      // C holds k: it seals new content claiming A as writer, with the only proof it can make, under K(C -> B).
      const content = sealedContent('dataSample', { ...doc, valueDate: 1 })
      const { seal, digest } = await sealEntity({
        k: doc.key,
        content,
        seq: 2,
        creator: A,
        writer: A,
        proofKeys: new Map(),
      })
      seal.proofs[B] = await writerProof(await pairKeyOf(C, B), 'dataSample', doc.id, B, digest)
      const e = await integrityError(b.open('dataSample', withMeta({ ...doc, valueDate: 1 }, { seal })))
      expect(e.reason).toMatch(/not written by/)
    })

    it('a revision written by a delegate is attributed to it, verified where it left a proof', async () => {
      const doc = await newDoc(a, [B, C])
      const rev2 = await modified(b, doc, { valueDate: 20240201 }, { comment: 'by B' })
      const seal = rev2.systemMetaData.seal as EntitySeal
      expect(seal).toMatchObject({ seq: 2, creator: A, writer: B })
      expect(Object.keys(seal.proofs).sort()).toEqual([A, B, C])
      for (const reader of [A, B, C]) {
        const opened = (await new EntityCrypto(reader, world(reader)).open('dataSample', rev2))!
        expect(opened.fields).toEqual({ comment: 'by B' })
        expect(opened.writer).toEqual({ dataOwnerId: B, verified: true })
      }
    })
  })

  describe('key substitution -> IntegrityError', () => {
    /** An entry for `to` from `from` wrapping `raw` under K(from -> to), as a data owner can add. */
    async function entryFrom(from: string, to: string, id: string, raw: Uint8Array): Promise<DelegationDto> {
      return {
        owner: from,
        delegatedTo: to,
        key: await wrapValue(await pairKeyOf(from, to), 'ek', 'dataSample', id, to, raw),
      }
    }

    /** Content re-encrypted and re-sealed under a key `k2` chosen by `writer` (C, with the operator). */
    async function substituted(
      doc: EncryptedEntityDto,
      k2: AesKey,
      sealFields: { creator: string; writer: string; proofsFor: string[] },
    ): Promise<EncryptedEntityDto> {
      const next = withMeta(
        { ...doc, valueDate: 19700101 },
        { encryptedSelf: await encryptSelf(k2, 'dataSample', doc.id, { comment: 'substituted' }) },
      )
      const proofKeys = new Map<string, AesKey>()
      for (const d of sealFields.proofsFor) proofKeys.set(d, await pairKeyOf(sealFields.writer, d))
      const { seal } = await sealEntity({
        k: k2,
        content: sealedContent('dataSample', next),
        seq: 2,
        creator: sealFields.creator,
        writer: sealFields.writer,
        proofKeys,
      })
      return withMeta(next, { seal })
    }

    it('an extra key entry with another key (content substitution by another data owner) -> different entity keys', async () => {
      const doc = await newDoc(a, [B])
      // C holds an exchange key with B: with the operator, it replaces the content under its own key k2
      // and wraps k2 for B, next to A's genuine entry.
      const k2 = await generateAesKey()
      const attacked = await substituted(doc, k2, { creator: A, writer: C, proofsFor: [B] })
      const fake = await entryFrom(C, B, doc.id, k2.raw)
      const genuine = doc.systemMetaData.encryptionKeys[B]
      for (const entries of [
        [fake, ...genuine],
        [...genuine, fake],
      ]) {
        const served = withMeta(attacked, {
          encryptionKeys: { ...attacked.systemMetaData.encryptionKeys, [B]: entries },
        })
        const e = await integrityError(new EntityCrypto(B, world(B)).open('dataSample', served))
        expect(e.reason).toMatch(/different entity keys/)
        await integrityError(new EntityCrypto(B, world(B)).entityKey('dataSample', served))
      }
    })

    it('a bogus entity key slipped in next to the genuine one by a co-delegate -> different entity keys', async () => {
      const doc = await newDoc(a, [B, C])
      const fake = await entryFrom(C, B, doc.id, (await generateAesKey()).raw)
      const attacked = withMeta(doc, {
        encryptionKeys: {
          ...doc.systemMetaData.encryptionKeys,
          [B]: [fake, ...doc.systemMetaData.encryptionKeys[B]],
        },
      })
      const e = await integrityError(b.open('dataSample', attacked))
      expect(e.reason).toMatch(/different entity keys/)
      // An entry that opens to the same key is harmless (e.g. the key given by two data owners).
      const same = await entryFrom(C, B, doc.id, doc.key.raw)
      const twice = withMeta(doc, {
        encryptionKeys: {
          ...doc.systemMetaData.encryptionKeys,
          [B]: [same, ...doc.systemMetaData.encryptionKeys[B]],
        },
      })
      expect((await b.open('dataSample', twice))!.fields).toEqual({ comment: 'secret' })
      // An entry that does not open (garbage) is ignored.
      const garbage = { ...same, key: same.key.slice(0, -4) + 'AAAA' }
      const ignored = withMeta(doc, {
        encryptionKeys: {
          ...doc.systemMetaData.encryptionKeys,
          [B]: [garbage, ...doc.systemMetaData.encryptionKeys[B]],
        },
      })
      expect((await b.open('dataSample', ignored))!.fields).toEqual({ comment: 'secret' })
    })

    it('only a bogus key entry (genuine one removed), seal untouched -> fails on the key commitment', async () => {
      const doc = await newDoc(a, [B, C])
      const fake = await entryFrom(C, B, doc.id, (await generateAesKey()).raw)
      const only = withMeta(doc, {
        encryptionKeys: { ...doc.systemMetaData.encryptionKeys, [B]: [fake] },
      })
      const e = await integrityError(b.open('dataSample', only))
      expect(e.reason).toMatch(/commitment/)
    })

    it('entityKey refuses a key that does not match the seal commitment', async () => {
      const doc = await newDoc(a, [B])
      const k2 = await generateAesKey()
      const only = withMeta(doc, {
        encryptionKeys: {
          ...doc.systemMetaData.encryptionKeys,
          [B]: [await entryFrom(C, B, doc.id, k2.raw)],
        },
      })
      await integrityError(b.entityKey('dataSample', only))
    })

    it("the creator's own entry replaced by a substituted one from someone else, seal says creator = reader", async () => {
      const doc = await newDoc(a, [C])
      const k2 = await generateAesKey()
      // C re-seals under k2 with a valid proof for A, but must give A the key through its own entry.
      const attacked = await substituted(doc, k2, { creator: A, writer: C, proofsFor: [A] })
      const served = withMeta(attacked, {
        encryptionKeys: {
          ...attacked.systemMetaData.encryptionKeys,
          [A]: [await entryFrom(C, A, doc.id, k2.raw)],
        },
      })
      const e = await integrityError(new EntityCrypto(A, world(A)).open('dataSample', served))
      expect(e.reason).toMatch(/claims data owner .* as creator/)
      // The same document with the creator's genuine entry kept: different keys.
      const both = withMeta(attacked, {
        encryptionKeys: {
          ...attacked.systemMetaData.encryptionKeys,
          [A]: [...doc.systemMetaData.encryptionKeys[A], await entryFrom(C, A, doc.id, k2.raw)],
        },
      })
      await integrityError(new EntityCrypto(A, world(A)).open('dataSample', both))
    })

    it('a substitution honest about its creator is attributed to it, and refused once the original was seen', async () => {
      const doc = await newDoc(a, [B])
      const k2 = await generateAesKey()
      const attacked = await substituted(doc, k2, { creator: C, writer: C, proofsFor: [B] })
      const served = withMeta(attacked, {
        encryptionKeys: {
          ...attacked.systemMetaData.encryptionKeys,
          [B]: [await entryFrom(C, B, doc.id, k2.raw)],
        },
      })
      // A fresh reader cannot tell (documented limitation), but sees who created and wrote it.
      const fresh = (await new EntityCrypto(B, world(B)).open('dataSample', served))!
      expect(fresh.seal.creator).toBe(C)
      expect(fresh.writer).toEqual({ dataOwnerId: C, verified: true })
      // A reader that saw the original refuses the change of creator and key.
      const seen = new EntityCrypto(B, world(B))
      await seen.open('dataSample', doc)
      const e = await integrityError(seen.open('dataSample', served))
      expect(e.reason).toMatch(/creator or entity key changed/)
    })
  })

  describe('revisions', () => {
    it('a rollback to an older revision on the same EntityCrypto -> IntegrityError; newer ones are accepted', async () => {
      const rev1 = await newDoc(a, [B])
      const rev2 = await modified(a, rev1, { valueDate: 20240201 }, { comment: 'v2' })
      const rev3 = await modified(a, rev2, { valueDate: 20240301 }, { comment: 'v3' })
      expect((rev3.systemMetaData.seal as EntitySeal).seq).toBe(3)
      const reader = new EntityCrypto(B, world(B))
      expect((await reader.open('dataSample', rev1))!.fields).toEqual({ comment: 'secret' })
      expect((await reader.open('dataSample', rev2))!.fields).toEqual({ comment: 'v2' })
      expect((await reader.open('dataSample', rev2))!.fields).toEqual({ comment: 'v2' }) // same again: fine
      const e = await integrityError(reader.open('dataSample', rev1))
      expect(e.reason).toMatch(/rollback/)
      expect((await reader.open('dataSample', rev3))!.fields).toEqual({ comment: 'v3' })
      await integrityError(reader.open('dataSample', rev2))
      // Another EntityCrypto has its own memory (a rollback across instances is not detected).
      expect((await new EntityCrypto(B, world(B)).open('dataSample', rev1))!.fields).toEqual({
        comment: 'secret',
      })
    })

    it('two different revisions with the same number (fork) -> IntegrityError', async () => {
      const rev1 = await newDoc(a, [B])
      const left = await modified(a, rev1, { valueDate: 1 }, { comment: 'left' })
      const right = await modified(b, rev1, { valueDate: 2 }, { comment: 'right' })
      const reader = new EntityCrypto(B, world(B))
      await reader.open('dataSample', left)
      const e = await integrityError(reader.open('dataSample', right))
      expect(e.reason).toMatch(/fork/)
    })

    it('seal(previous) increments seq and keeps the creator', async () => {
      const rev1 = await newDoc(a, [B])
      const rev2 = await modified(b, rev1, { valueDate: 2 }, { comment: 'x' })
      expect(rev2.systemMetaData.seal).toMatchObject({ seq: 2, creator: A, writer: B })
    })
  })

  describe('share', () => {
    it('shares further: the delegate reads everything, and sharing twice is a no-op', async () => {
      const doc = await newDoc(a, [], { patientId: P, secretId: 's' })
      const toB = (await a.share('dataSample', doc, B))!.doc
      const toC = (await b.share('dataSample', toB, C))!.doc
      expect(toC.systemMetaData.encryptionKeys[C][0].owner).toBe(B)
      expect((await c.open('dataSample', toC))!.fields).toEqual({ comment: 'secret' })
      expect(await c.parentIdsOf('dataSample', toC)).toEqual([P])
      expect(await a.share('dataSample', toC, C)).toBeUndefined()
      // The input document is not mutated.
      expect(Object.keys(doc.systemMetaData.encryptionKeys)).toEqual([A])
      expect(Object.keys((doc.systemMetaData.seal as EntitySeal).proofs)).toEqual([A])
    })

    it('adds a writer proof for the new delegate when the sharer is the writer, not otherwise', async () => {
      const doc = await newDoc(a, [])
      const toB = (await a.share('dataSample', doc, B))!
      expect(toB.key!.raw).toEqual(doc.key.raw)
      const sealB = toB.doc.systemMetaData.seal as EntitySeal
      // Only the proofs change: same revision, same tag.
      expect(Object.keys(sealB.proofs).sort()).toEqual([A, B])
      expect(sealB.tag).toBe((doc.systemMetaData.seal as EntitySeal).tag)
      expect(sealB.proofs[B]).toBe(
        await writerProof(await pairKeyOf(A, B), 'dataSample', doc.id, B, await sealedDigest(toB.doc)),
      )
      expect((await b.open('dataSample', toB.doc))!.writer).toEqual({ dataOwnerId: A, verified: true })

      // B is not the writer: it cannot prove A wrote it, so C reads it with an unverified writer.
      const fromB = (await b.share('dataSample', toB.doc, C))!.doc
      expect((fromB.systemMetaData.seal as EntitySeal).proofs[C]).toBeUndefined()
      expect((fromB.systemMetaData.seal as EntitySeal).proofs).toEqual(sealB.proofs)
      expect((await new EntityCrypto(C, world(C)).open('dataSample', fromB))!.writer).toEqual({
        dataOwnerId: A,
        verified: false,
      })

      // The writer sharing with C itself adds C's proof, which verifies.
      const fromA = (await a.share('dataSample', toB.doc, C))!.doc
      const sealC = fromA.systemMetaData.seal as EntitySeal
      expect(Object.keys(sealC.proofs).sort()).toEqual([A, B, C])
      expect((await new EntityCrypto(C, world(C)).open('dataSample', fromA))!.writer).toEqual({
        dataOwnerId: A,
        verified: true,
      })
    })

    function sealedDigest(doc: EncryptedEntityDto): Promise<string> {
      return sealDigest(sealedContent('dataSample', doc), doc.systemMetaData.seal as EntitySeal)
    }
  })

  it('a secret id held only under an exchange key (no entity key) is shared under exchange keys', async () => {
    const doc = await newDoc(a, [])
    const withOwnSecret = await b.withNewSecretIdForSelf('patient', {
      ...doc,
      systemMetaData: { ...doc.systemMetaData },
    })
    const [bSecret] = await b.secretIdsOf('patient', withOwnSecret)
    expect(bSecret).toMatch(/^[0-9a-f-]{36}$/)
    expect(await b.open('patient', withOwnSecret)).toBeUndefined()
    expect(await b.entityKey('patient', withOwnSecret)).toBeUndefined()
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
