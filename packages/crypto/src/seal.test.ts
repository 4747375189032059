import { beforeAll, describe, expect, it } from 'vitest'
import { type AesKey, generateAesKey } from './aes.ts'
import { canonicalJson } from './canonical-json.ts'
import { CryptoError } from './crypto-error.ts'
import {
  constantTimeEqual,
  type EntitySeal,
  keyCommitment,
  type SealedContent,
  sealDigest,
  sealEntity,
  verifySeal,
  writerProof,
} from './seal.ts'
import { PROTOCOL_VERSION } from './version.ts'

async function expectCode(p: Promise<unknown>, code: CryptoError['code'], message?: RegExp): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
  if (message) expect((e as CryptoError).message).toMatch(message)
}

const ID = '00000000-0000-4000-8000-0000000000e1'
const CREATOR = '00000000-0000-4000-8000-00000000000a'
const WRITER = '00000000-0000-4000-8000-00000000000b'
const DELEGATE = '00000000-0000-4000-8000-00000000000c'

const content = (): SealedContent => ({
  entityType: 'dataSample',
  entityId: ID,
  clear: {
    valueDate: 20240131,
    labels: [{ type: 'LOINC', code: '1234-5' }],
    openingDate: null,
    nested: { b: 2, a: { y: true, x: 'é' } },
  },
  secretForeignKeys: ['sfk-1', 'sfk-2'],
  encryptedSelf: 'AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
})

let k: AesKey
let otherK: AesKey
let xkToDelegate: AesKey
let xkToCreator: AesKey
let sealed: { seal: EntitySeal; digest: string }

beforeAll(async () => {
  ;[k, otherK, xkToDelegate, xkToCreator] = await Promise.all([1, 2, 3, 4].map(() => generateAesKey()))
  sealed = await sealEntity({
    k,
    content: content(),
    seq: 3,
    creator: CREATOR,
    writer: WRITER,
    proofKeys: new Map([
      [DELEGATE, xkToDelegate],
      [CREATOR, xkToCreator],
    ]),
  })
})

describe('sealEntity / verifySeal', () => {
  it('round trip: the seal carries what it was given and verifies to the same digest', async () => {
    const { seal, digest } = sealed
    expect(seal.v).toBe(PROTOCOL_VERSION)
    expect(seal.v).toBe(2)
    expect(seal.seq).toBe(3)
    expect(seal.creator).toBe(CREATOR)
    expect(seal.writer).toBe(WRITER)
    expect(seal.commitment).toBe(await keyCommitment(k, 'dataSample', ID))
    expect(Object.keys(seal.proofs).sort()).toEqual([CREATOR, DELEGATE].sort())
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(await sealDigest(content(), seal)).toBe(digest)
    expect(await verifySeal(k, content(), seal)).toBe(digest)
    // Survives a JSON round trip (what the server stores and returns).
    const stored = JSON.parse(JSON.stringify({ content: content(), seal })) as {
      content: SealedContent
      seal: EntitySeal
    }
    expect(await verifySeal(k, stored.content, stored.seal)).toBe(digest)
  })

  it('is deterministic: the same revision sealed twice gives the same tag', async () => {
    const again = await sealEntity({
      k,
      content: content(),
      seq: 3,
      creator: CREATOR,
      writer: WRITER,
      proofKeys: new Map(),
    })
    expect(again.seal.tag).toBe(sealed.seal.tag)
    expect(again.digest).toBe(sealed.digest)
    expect(again.seal.proofs).toEqual({})
  })

  const changes: [string, (c: SealedContent, s: EntitySeal) => [SealedContent, EntitySeal]][] = [
    ['a clear field value', (c, s) => [{ ...c, clear: { ...c.clear, valueDate: 20240201 } }, s]],
    [
      'a nested clear value',
      (c, s) => [{ ...c, clear: { ...c.clear, nested: { b: 2, a: { y: false, x: 'é' } } } }, s],
    ],
    [
      'a clear field type (number -> string)',
      (c, s) => [{ ...c, clear: { ...c.clear, valueDate: '20240131' } }, s],
    ],
    ['an added clear field', (c, s) => [{ ...c, clear: { ...c.clear, comment: 'added' } }, s]],
    ['an added null clear field', (c, s) => [{ ...c, clear: { ...c.clear, endOfLife: null } }, s]],
    [
      'a removed clear field',
      (c, s) => {
        const { labels: _l, ...rest } = c.clear
        return [{ ...c, clear: rest }, s]
      },
    ],
    [
      'a removed null clear field',
      (c, s) => {
        const { openingDate: _o, ...rest } = c.clear
        return [{ ...c, clear: rest }, s]
      },
    ],
    ['secretForeignKeys (one replaced)', (c, s) => [{ ...c, secretForeignKeys: ['sfk-1', 'sfk-3'] }, s]],
    ['secretForeignKeys (one removed)', (c, s) => [{ ...c, secretForeignKeys: ['sfk-1'] }, s]],
    [
      'secretForeignKeys (one added)',
      (c, s) => [{ ...c, secretForeignKeys: [...c.secretForeignKeys, 'x'] }, s],
    ],
    ['secretForeignKeys (reordered)', (c, s) => [{ ...c, secretForeignKeys: ['sfk-2', 'sfk-1'] }, s]],
    ['encryptedSelf', (c, s) => [{ ...c, encryptedSelf: c.encryptedSelf.replace(/A$/, 'B') }, s]],
    ['encryptedSelf (emptied)', (c, s) => [{ ...c, encryptedSelf: '' }, s]],
    ['seq (rollback)', (c, s) => [c, { ...s, seq: 2 }]],
    ['seq (forward)', (c, s) => [c, { ...s, seq: 4 }]],
    ['creator', (c, s) => [c, { ...s, creator: DELEGATE }]],
    ['writer', (c, s) => [c, { ...s, writer: DELEGATE }]],
    ['creator and writer swapped', (c, s) => [c, { ...s, creator: WRITER, writer: CREATOR }]],
    ['entity id', (c, s) => [{ ...c, entityId: '00000000-0000-4000-8000-0000000000e2' }, s]],
    ['entity type', (c, s) => [{ ...c, entityType: 'healthElement' }, s]],
    ['the tag', (c, s) => [c, { ...s, tag: sealed.seal.commitment }]],
    ['the commitment', (c, s) => [c, { ...s, commitment: s.tag }]],
    [
      'a value moved from a clear field into secretForeignKeys',
      (c, s) => {
        const { valueDate: _v, ...rest } = c.clear
        return [{ ...c, clear: rest, secretForeignKeys: [...c.secretForeignKeys, '20240131'] }, s]
      },
    ],
  ]
  for (const [what, change] of changes) {
    it(`a changed ${what} -> CANNOT_DECRYPT`, async () => {
      const [c, s] = change(content(), { ...sealed.seal })
      await expectCode(verifySeal(k, c, s), 'CANNOT_DECRYPT')
    })
  }

  it('the unchanged content still verifies (the cases above fail because of their change only)', async () => {
    expect(await verifySeal(k, content(), { ...sealed.seal })).toBe(sealed.digest)
  })

  it('a different key fails on the key commitment', async () => {
    await expectCode(verifySeal(otherK, content(), sealed.seal), 'CANNOT_DECRYPT', /commitment/)
    // Even with the commitment recomputed for that key, the tag does not verify.
    const recommitted = { ...sealed.seal, commitment: await keyCommitment(otherK, 'dataSample', ID) }
    await expectCode(
      verifySeal(otherK, content(), recommitted),
      'CANNOT_DECRYPT',
      /changed after it was sealed/,
    )
  })

  it('a whole seal made by someone with another key does not verify with the genuine key', async () => {
    const forged = await sealEntity({
      k: otherK,
      content: { ...content(), clear: { ...content().clear, valueDate: 1 } },
      seq: 99,
      creator: CREATOR,
      writer: WRITER,
      proofKeys: new Map(),
    })
    await expectCode(
      verifySeal(k, { ...content(), clear: { ...content().clear, valueDate: 1 } }, forged.seal),
      'CANNOT_DECRYPT',
      /commitment/,
    )
  })

  it('a seal of another protocol version -> UNSUPPORTED_VERSION', async () => {
    for (const v of [1, 3, 0]) {
      await expectCode(verifySeal(k, content(), { ...sealed.seal, v }), 'UNSUPPORTED_VERSION')
    }
    const { v: _v, ...noVersion } = sealed.seal
    await expectCode(verifySeal(k, content(), noVersion as EntitySeal), 'UNSUPPORTED_VERSION')
  })

  it('the key order of the clear object does not matter (canonical JSON)', async () => {
    const c = content()
    const reordered: SealedContent = {
      ...c,
      clear: {
        nested: { a: { x: 'é', y: true }, b: 2 },
        openingDate: null,
        labels: [{ code: '1234-5', type: 'LOINC' }],
        valueDate: 20240131,
      },
    }
    expect(Object.keys(reordered.clear)).not.toEqual(Object.keys(c.clear))
    expect(await verifySeal(k, reordered, sealed.seal)).toBe(sealed.digest)
  })

  it('undefined clear members are dropped, as on the wire', async () => {
    const c = content()
    expect(await verifySeal(k, { ...c, clear: { ...c.clear, comment: undefined } }, sealed.seal)).toBe(
      sealed.digest,
    )
  })

  it('writer proofs are not covered by the tag (a proof can be added when sharing)', async () => {
    expect(await verifySeal(k, content(), { ...sealed.seal, proofs: {} })).toBe(sealed.digest)
  })

  it('refuses an invalid seq', async () => {
    for (const seq of [0, -1, 1.5, Number.NaN]) {
      await expect(
        sealEntity({ k, content: content(), seq, creator: CREATOR, writer: WRITER, proofKeys: new Map() }),
      ).rejects.toMatchObject({ name: 'CryptoError', code: 'BAD_INPUT' })
    }
  })
})

describe('keyCommitment', () => {
  it('binds one key to one entity', async () => {
    const c = await keyCommitment(k, 'dataSample', ID)
    expect(await keyCommitment(k, 'dataSample', ID)).toBe(c)
    expect(await keyCommitment(otherK, 'dataSample', ID)).not.toBe(c)
    expect(await keyCommitment(k, 'healthElement', ID)).not.toBe(c)
    expect(await keyCommitment(k, 'dataSample', DELEGATE)).not.toBe(c)
  })
})

describe('writerProof', () => {
  it('is the proof the seal carries, and verifies only with the same exchange key, delegate and digest', async () => {
    const { seal, digest } = sealed
    const proof = await writerProof(xkToDelegate, 'dataSample', ID, DELEGATE, digest)
    expect(proof).toBe(seal.proofs[DELEGATE])
    expect(await writerProof(xkToCreator, 'dataSample', ID, CREATOR, digest)).toBe(seal.proofs[CREATOR])
    expect(seal.proofs[DELEGATE]).not.toBe(seal.proofs[CREATOR])

    // Another exchange key (e.g. K(someone else -> delegate)).
    expect(await writerProof(otherK, 'dataSample', ID, DELEGATE, digest)).not.toBe(proof)
    expect(await writerProof(xkToCreator, 'dataSample', ID, DELEGATE, digest)).not.toBe(proof)
    // Another delegate with the same exchange key.
    expect(await writerProof(xkToDelegate, 'dataSample', ID, CREATOR, digest)).not.toBe(proof)
    // Another digest (another revision or content).
    const other = await sealDigest({ ...content(), encryptedSelf: 'x' }, seal)
    expect(other).not.toBe(digest)
    expect(await writerProof(xkToDelegate, 'dataSample', ID, DELEGATE, other)).not.toBe(proof)
    // Another entity.
    expect(await writerProof(xkToDelegate, 'healthElement', ID, DELEGATE, digest)).not.toBe(proof)
    expect(await writerProof(xkToDelegate, 'dataSample', WRITER, DELEGATE, digest)).not.toBe(proof)
  })

  it('depends on the key bytes, not on the key object (sub-keys are cached per object)', async () => {
    const proof = await writerProof(xkToDelegate, 'dataSample', ID, DELEGATE, sealed.digest)
    const copy: AesKey = { raw: new Uint8Array(xkToDelegate.raw) }
    expect(await writerProof(copy, 'dataSample', ID, DELEGATE, sealed.digest)).toBe(proof)
    expect(await writerProof({ ...xkToDelegate }, 'dataSample', ID, DELEGATE, sealed.digest)).toBe(proof)
    // Keys used before (cached) and new keys never share a proof.
    const fresh = await generateAesKey()
    expect(await writerProof(fresh, 'dataSample', ID, DELEGATE, sealed.digest)).not.toBe(proof)
    expect(await writerProof(xkToDelegate, 'dataSample', ID, DELEGATE, sealed.digest)).toBe(proof)
  })

  it('is not the entity key commitment or tag under the same raw key (separate sub-keys)', async () => {
    const proof = await writerProof(k, 'dataSample', ID, DELEGATE, sealed.digest)
    expect(proof).not.toBe(sealed.seal.tag)
    expect(proof).not.toBe(sealed.seal.commitment)
  })
})

describe('constantTimeEqual', () => {
  it('compares strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'ab')).toBe(false)
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual(undefined as unknown as string, 'a')).toBe(false)
  })
})

describe('canonicalJson', () => {
  it('sorts object keys by code unit, recursively, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}',
    )
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }))
    expect(canonicalJson({ b: 1, B: 2, a: 3, é: 4 })).toBe('{"B":2,"a":3,"b":1,"é":4}')
  })

  it('keeps arrays in order and writes scalars as JSON does', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]')
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]))
    expect(canonicalJson(['a"b', null, true, false, 1.5, -0, 1e21])).toBe(
      JSON.stringify(['a"b', null, true, false, 1.5, 0, 1e21]),
    )
  })

  it('drops undefined members like JSON.stringify (null in arrays)', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}')
    expect(canonicalJson([undefined, 1])).toBe('[null,1]')
  })

  it('refuses NaN and infinities', () => {
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => canonicalJson(n)).toThrow(CryptoError)
      expect(() => canonicalJson({ a: n })).toThrow(CryptoError)
      expect(() => canonicalJson([1, n])).toThrow(CryptoError)
      try {
        canonicalJson({ nested: { a: n } })
        expect.unreachable()
      } catch (e) {
        expect((e as CryptoError).code).toBe('BAD_INPUT')
      }
    }
  })

  it('refuses other non-JSON values', () => {
    expect(() => canonicalJson(() => 1)).toThrow(CryptoError)
    expect(() => canonicalJson(BigInt(1))).toThrow(CryptoError)
    expect(() => canonicalJson(Symbol('s'))).toThrow(CryptoError)
  })

  it('makes sealing refuse a non-finite clear value', async () => {
    await expect(
      sealEntity({
        k,
        content: { ...content(), clear: { valueDate: Number.NaN } },
        seq: 1,
        creator: CREATOR,
        writer: WRITER,
        proofKeys: new Map(),
      }),
    ).rejects.toMatchObject({ name: 'CryptoError', code: 'BAD_INPUT' })
  })
})
