import { beforeAll, describe, expect, it } from 'vitest'
import { exchangeKeySignedText } from './aad.ts'
import { generateAesKey } from './aes.ts'
import { ua2hex, utf8_2ua } from './binary.ts'
import { CryptoError } from './crypto-error.ts'
import { decryptSelf, encryptSelf, unwrapValue, wrapValue } from './entity-crypto.ts'
import {
  addExchangeKeyRecipient,
  createExchangeKey,
  type ExchangeKeyRecord,
  openExchangeKey,
} from './exchange-key.ts'
import { generateKeyPairHex, importKeyPair, type KeyPairHandle } from './key-pair.ts'
import { importPublicKey, type PublicKeyHandle } from './public-key.ts'
import { rsaOperationCount, resetRsaOperationCount } from './rsa-counter.ts'
import { rsaEncrypt, rsaSign } from './rsa.ts'
import { PROTOCOL_VERSION } from './version.ts'

async function expectCode(p: Promise<unknown>, code: CryptoError['code']): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
}

const hexSha256 = async (data: Uint8Array) =>
  ua2hex(new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)))

/** The recipient list as it is signed: hex SHA-256 of the sorted fingerprints joined by ','. */
const recipientsHashOf = (fingerprints: string[]) => hexSha256(utf8_2ua([...fingerprints].sort().join(',')))

const A = 'hcp-alice'
const B = 'patient-bob'
const CREATED = 1_700_000_000_000

// Alice (delegator), Bob (delegate), and Mallory (a third party, or a key the server controls).
let alice: KeyPairHandle
let bob: KeyPairHandle
let mallory: KeyPairHandle
let alicePub: PublicKeyHandle
let bobPub: PublicKeyHandle

beforeAll(async () => {
  const pairs = await Promise.all([generateKeyPairHex(), generateKeyPairHex(), generateKeyPairHex()])
  ;[alice, bob, mallory] = await Promise.all(pairs.map(importKeyPair))
  // Readers only hold the public half of the others' keys.
  ;[alicePub, bobPub] = await Promise.all([
    importPublicKey(pairs[0].publicKey),
    importPublicKey(pairs[1].publicKey),
  ])
})

async function newRecord(now = CREATED): Promise<{ record: ExchangeKeyRecord; raw: Uint8Array }> {
  const { record, key } = await createExchangeKey({
    delegatorId: A,
    delegateId: B,
    signer: alice,
    recipients: [alicePub, bobPub],
    now,
  })
  return { record, raw: key.raw }
}

describe('exchangeKeySignedText', () => {
  it('is cairn:v2:xk:<delegator>:<delegate>:<key hash>:<created>:<recipients hash>', () => {
    expect(exchangeKeySignedText(A, B, 'ab12', 1234, 'cd34')).toBe(`cairn:v2:xk:${A}:${B}:ab12:1234:cd34`)
    expect(exchangeKeySignedText(A, B, 'ab12', 0, 'cd34')).toBe(`cairn:v2:xk:${A}:${B}:ab12:0:cd34`)
  })

  it('refuses a creation time that is not a non-negative safe integer', () => {
    for (const t of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => exchangeKeySignedText(A, B, 'ab12', t, 'cd34')).toThrow(CryptoError)
    }
  })

  it('refuses empty components and components containing ":"', () => {
    expect(() => exchangeKeySignedText('a:b', B, 'ab12', 1, 'cd34')).toThrow(CryptoError)
    expect(() => exchangeKeySignedText(A, '', 'ab12', 1, 'cd34')).toThrow(CryptoError)
    expect(() => exchangeKeySignedText(A, B, 'ab12', 1, '')).toThrow(CryptoError)
  })
})

describe('exchange keys', () => {
  it('creates a v2 record with one entry per recipient, costing one RSA op each plus the signature', async () => {
    resetRsaOperationCount()
    const { record } = await newRecord()
    expect(rsaOperationCount()).toBe(3)
    expect(record.v).toBe(2)
    expect(record.v).toBe(PROTOCOL_VERSION)
    expect(record.delegator).toBe(A)
    expect(record.delegate).toBe(B)
    expect(record.keyCreated).toBe(CREATED)
    expect(record.recipients).toEqual([alice.fingerprint, bob.fingerprint].sort())
    expect(Object.keys(record.encryptedKey).sort()).toEqual([alice.fingerprint, bob.fingerprint].sort())
    expect(record.signerFingerprint).toBe(alice.fingerprint)
  })

  it('signs cairn:v2:xk over the key hash, the creation time and the sorted recipients', async () => {
    const { record, key, opened } = await createExchangeKey({
      delegatorId: A,
      delegateId: B,
      signer: alice,
      recipients: [bobPub],
      now: CREATED,
    })
    const text = exchangeKeySignedText(
      A,
      B,
      await hexSha256(key.raw),
      CREATED,
      await recipientsHashOf([alice.fingerprint, bob.fingerprint]),
    )
    const { rsaVerify } = await import('./rsa.ts')
    expect(await rsaVerify(alicePub, utf8_2ua(text), record.signature)).toBe(true)
    // The returned opened key is what openExchangeKey gives back, without any RSA operation.
    expect(opened.key).toBe(key)
    expect(opened.keyCreated).toBe(CREATED)
    expect(opened.recipients).toEqual(record.recipients)
  })

  it('signs the current time when no creation time is given', async () => {
    const before = Date.now()
    const { record, opened } = await createExchangeKey({
      delegatorId: A,
      delegateId: B,
      signer: alice,
      recipients: [bobPub],
    })
    expect(record.keyCreated).toBeGreaterThanOrEqual(before)
    expect(record.keyCreated).toBeLessThanOrEqual(Date.now())
    expect(opened.keyCreated).toBe(record.keyCreated)
  })

  it('dedupes recipients by fingerprint and always includes the signer', async () => {
    const { record } = await createExchangeKey({
      delegatorId: A,
      delegateId: B,
      signer: alice,
      recipients: [bobPub, bob, bobPub],
    })
    expect(Object.keys(record.encryptedKey).sort()).toEqual([alice.fingerprint, bob.fingerprint].sort())
    expect(record.recipients).toEqual([alice.fingerprint, bob.fingerprint].sort())
  })

  it('opens for the delegator and for the delegate to the same key, creation time and recipients', async () => {
    const { record, raw } = await newRecord()
    resetRsaOperationCount()
    const forAlice = await openExchangeKey({ record, ownKeys: [alice], delegatorPublicKeys: [alicePub] })
    const forBob = await openExchangeKey({ record, ownKeys: [mallory, bob], delegatorPublicKeys: [alicePub] })
    expect(rsaOperationCount()).toBe(4) // one decryption and one verification each
    expect(forAlice.key.raw).toEqual(raw)
    expect(forBob.key.raw).toEqual(raw)
    for (const opened of [forAlice, forBob]) {
      expect(opened.keyCreated).toBe(CREATED)
      expect(opened.recipients).toEqual([alice.fingerprint, bob.fingerprint].sort())
    }
    // The returned list is a copy: changing it does not change the record.
    forBob.recipients.push('x')
    expect(record.recipients).toHaveLength(2)
  })

  it('once the pair is known, sharing and reading entities costs zero RSA operations', async () => {
    const { record } = await newRecord()
    const kAlice = (await openExchangeKey({ record, ownKeys: [alice], delegatorPublicKeys: [alicePub] })).key
    const kBob = (await openExchangeKey({ record, ownKeys: [bob], delegatorPublicKeys: [alicePub] })).key
    resetRsaOperationCount()
    for (let i = 0; i < 5; i++) {
      const entityKey = await generateAesKey()
      const self = await encryptSelf(entityKey, 'dataSample', `ds${i}`, { content: i })
      const wrapped = await wrapValue(kAlice, 'ek', 'dataSample', `ds${i}`, B, entityKey.raw)
      const unwrapped = await unwrapValue(kBob, 'ek', 'dataSample', `ds${i}`, B, wrapped)
      expect(unwrapped).toEqual(entityKey.raw)
      expect(await decryptSelf({ ...entityKey, raw: unwrapped }, 'dataSample', `ds${i}`, self)).toEqual({
        content: i,
      })
    }
    expect(rsaOperationCount()).toBe(0)
  })

  it('a record of another protocol version (or of v1, without v) -> UNSUPPORTED_VERSION', async () => {
    const { record } = await newRecord()
    const { v: _v, ...v1 } = record
    for (const r of [{ ...record, v: 1 }, { ...record, v: 3 }, v1]) {
      await expectCode(
        openExchangeKey({ record: r, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
        'UNSUPPORTED_VERSION',
      )
    }
    // Refused before any RSA work.
    resetRsaOperationCount()
    await expectCode(
      openExchangeKey({ record: { ...record, v: 1 }, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'UNSUPPORTED_VERSION',
    )
    expect(rsaOperationCount()).toBe(0)
  })

  it('a changed keyCreated -> BAD_SIGNATURE (the server cannot make an old key look newest)', async () => {
    const { record } = await newRecord()
    for (const keyCreated of [CREATED + 1, CREATED - 1, Date.now() + 86_400_000, 0]) {
      await expectCode(
        openExchangeKey({
          record: { ...record, keyCreated },
          ownKeys: [bob],
          delegatorPublicKeys: [alicePub],
        }),
        'BAD_SIGNATURE',
      )
    }
  })

  it('a removed keyCreated -> BAD_SIGNATURE', async () => {
    const { record } = await newRecord()
    const { keyCreated: _k, ...withoutCreated } = record
    await expectCode(
      openExchangeKey({ record: withoutCreated, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'BAD_SIGNATURE',
    )
  })

  it('changed recipients -> BAD_SIGNATURE (a record cannot claim to be made for other keys)', async () => {
    const { record } = await newRecord()
    const variants = [
      [bob.fingerprint], // a recipient removed
      [...record.recipients!, mallory.fingerprint], // a recipient added
      [alice.fingerprint, mallory.fingerprint], // a recipient replaced
      [...record.recipients!, bob.fingerprint], // a duplicate
      [], // emptied
    ]
    for (const recipients of variants) {
      await expectCode(
        openExchangeKey({
          record: { ...record, recipients },
          ownKeys: [bob],
          delegatorPublicKeys: [alicePub],
        }),
        'BAD_SIGNATURE',
      )
    }
    const { recipients: _r, ...withoutRecipients } = record
    await expectCode(
      openExchangeKey({ record: withoutRecipients, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'BAD_SIGNATURE',
    )
  })

  it('the order of recipients in the record does not change the signature (the signed list is sorted)', async () => {
    const { record } = await newRecord()
    const reversed = { ...record, recipients: [...record.recipients!].reverse() }
    expect(reversed.recipients).not.toEqual(record.recipients)
    const opened = await openExchangeKey({
      record: reversed,
      ownKeys: [bob],
      delegatorPublicKeys: [alicePub],
    })
    expect([...opened.recipients].sort()).toEqual(record.recipients)
  })

  it('opened recipients are sorted whatever the order in the record', async () => {
    const { record } = await newRecord()
    const reversed = { ...record, recipients: [...record.recipients!].reverse() }
    const opened = await openExchangeKey({
      record: reversed,
      ownKeys: [bob],
      delegatorPublicKeys: [alicePub],
    })
    expect(opened.recipients).toEqual(record.recipients)
  })

  it('server replaced the delegate entry with a key it knows, keeping the signature -> BAD_SIGNATURE', async () => {
    const { record } = await newRecord()
    const forged = await generateAesKey()
    const tampered = {
      ...record,
      encryptedKey: { ...record.encryptedKey, [bob.fingerprint]: await rsaEncrypt(bobPub, forged.raw) },
    }
    await expectCode(
      openExchangeKey({ record: tampered, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'BAD_SIGNATURE',
    )
  })

  it('server forged the whole record with its own key -> BAD_SIGNATURE', async () => {
    const forged = await generateAesKey()
    const recipients = [bob.fingerprint]
    const text = exchangeKeySignedText(
      A,
      B,
      await hexSha256(forged.raw),
      CREATED,
      await recipientsHashOf(recipients),
    )
    const signature = await rsaSign(mallory, utf8_2ua(text))
    const base = {
      v: PROTOCOL_VERSION,
      delegator: A,
      delegate: B,
      keyCreated: CREATED,
      recipients,
      encryptedKey: { [bob.fingerprint]: await rsaEncrypt(bobPub, forged.raw) },
      signature,
    }
    // Claiming its own key as signer: not a key of the delegator.
    await expectCode(
      openExchangeKey({
        record: { ...base, signerFingerprint: mallory.fingerprint },
        ownKeys: [bob],
        delegatorPublicKeys: [alicePub],
      }),
      'BAD_SIGNATURE',
    )
    // Claiming Alice's fingerprint: the signature does not verify with her key.
    await expectCode(
      openExchangeKey({
        record: { ...base, signerFingerprint: alice.fingerprint },
        ownKeys: [bob],
        delegatorPublicKeys: [alicePub],
      }),
      'BAD_SIGNATURE',
    )
  })

  it('a v1 signature (cairn:v1:xk text) on a record relabelled v2 -> BAD_SIGNATURE', async () => {
    const k = await generateAesKey()
    const v1Text = `cairn:v1:xk:${A}:${B}:${await hexSha256(k.raw)}`
    const record: ExchangeKeyRecord = {
      v: PROTOCOL_VERSION,
      delegator: A,
      delegate: B,
      keyCreated: CREATED,
      recipients: [bob.fingerprint],
      encryptedKey: { [bob.fingerprint]: await rsaEncrypt(bobPub, k.raw) },
      signature: await rsaSign(alice, utf8_2ua(v1Text)),
      signerFingerprint: alice.fingerprint,
    }
    await expectCode(
      openExchangeKey({ record, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'BAD_SIGNATURE',
    )
  })

  it('signer not among the delegator keys given -> BAD_SIGNATURE', async () => {
    const { record } = await newRecord()
    await expectCode(
      openExchangeKey({ record, ownKeys: [bob], delegatorPublicKeys: [bobPub] }),
      'BAD_SIGNATURE',
    )
    await expectCode(openExchangeKey({ record, ownKeys: [bob], delegatorPublicKeys: [] }), 'BAD_SIGNATURE')
  })

  it('a record relabelled to another pair -> BAD_SIGNATURE', async () => {
    const { record } = await newRecord()
    await expectCode(
      openExchangeKey({
        record: { ...record, delegate: 'someone-else' },
        ownKeys: [bob],
        delegatorPublicKeys: [alicePub],
      }),
      'BAD_SIGNATURE',
    )
    await expectCode(
      openExchangeKey({
        record: { ...record, delegator: B, delegate: A },
        ownKeys: [bob],
        delegatorPublicKeys: [alicePub],
      }),
      'BAD_SIGNATURE',
    )
  })

  it('a third party without an entry -> CANNOT_DECRYPT', async () => {
    const { record } = await newRecord()
    await expectCode(
      openExchangeKey({ record, ownKeys: [mallory], delegatorPublicKeys: [alicePub] }),
      'CANNOT_DECRYPT',
    )
    await expectCode(
      openExchangeKey({ record, ownKeys: [], delegatorPublicKeys: [alicePub] }),
      'CANNOT_DECRYPT',
    )
  })

  it('an entry encrypted for another key or corrupted -> CANNOT_DECRYPT', async () => {
    const { record } = await newRecord()
    const swapped = { ...record, encryptedKey: { [bob.fingerprint]: record.encryptedKey[alice.fingerprint] } }
    await expectCode(
      openExchangeKey({ record: swapped, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'CANNOT_DECRYPT',
    )
    const garbage = { ...record, encryptedKey: { [bob.fingerprint]: 'AAAA' } }
    await expectCode(
      openExchangeKey({ record: garbage, ownKeys: [bob], delegatorPublicKeys: [alicePub] }),
      'CANNOT_DECRYPT',
    )
  })

  it('addExchangeKeyRecipient gives a new key access, keeping the signature valid and recipients unchanged', async () => {
    const { record, raw } = await newRecord()
    const full = { ...record, id: 'xk1', rev: '1-a' }
    const { key } = await openExchangeKey({ record: full, ownKeys: [alice], delegatorPublicKeys: [alicePub] })
    const added = await addExchangeKeyRecipient({ record: full, key, recipient: mallory })
    expect(added.id).toBe('xk1')
    expect(added.v).toBe(PROTOCOL_VERSION)
    expect(added.signature).toBe(record.signature)
    expect(added.keyCreated).toBe(record.keyCreated)
    // The signed recipient list stays the one chosen at creation: the added key is readable, not signed.
    expect(added.recipients).toEqual(record.recipients)
    expect(added.recipients).not.toContain(mallory.fingerprint)
    expect(Object.keys(added.encryptedKey)).toHaveLength(3)
    expect(Object.keys(full.encryptedKey)).toHaveLength(2) // input not mutated

    // The signature still verifies, for the new recipient and for the old ones.
    const forMallory = await openExchangeKey({
      record: added,
      ownKeys: [mallory],
      delegatorPublicKeys: [alicePub],
    })
    expect(forMallory.key.raw).toEqual(raw)
    expect(forMallory.keyCreated).toBe(CREATED)
    expect(forMallory.recipients).toEqual(record.recipients)
    const forBob = await openExchangeKey({ record: added, ownKeys: [bob], delegatorPublicKeys: [alicePub] })
    expect(forBob.key.raw).toEqual(raw)

    resetRsaOperationCount()
    const again = await addExchangeKeyRecipient({ record: added, key, recipient: mallory })
    expect(again.encryptedKey).toEqual(added.encryptedKey)
    expect(again.recipients).toEqual(record.recipients)
    expect(rsaOperationCount()).toBe(0)
  })
})
