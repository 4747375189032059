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

async function expectCode(p: Promise<unknown>, code: CryptoError['code']): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(CryptoError)
  expect((e as CryptoError).code).toBe(code)
}

const A = 'hcp-alice'
const B = 'patient-bob'

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

async function newRecord(): Promise<{ record: ExchangeKeyRecord; raw: Uint8Array }> {
  const { record, key } = await createExchangeKey({
    delegatorId: A,
    delegateId: B,
    signer: alice,
    recipients: [alicePub, bobPub],
  })
  return { record, raw: key.raw }
}

describe('exchange keys', () => {
  it('creates a signed record with one entry per recipient, costing one RSA op each plus the signature', async () => {
    resetRsaOperationCount()
    const { record } = await newRecord()
    expect(rsaOperationCount()).toBe(3)
    expect(record.delegator).toBe(A)
    expect(record.delegate).toBe(B)
    expect(Object.keys(record.encryptedKey).sort()).toEqual([alice.fingerprint, bob.fingerprint].sort())
    expect(record.signerFingerprint).toBe(alice.fingerprint)
  })

  it('dedupes recipients by fingerprint and always includes the signer', async () => {
    const { record } = await createExchangeKey({
      delegatorId: A,
      delegateId: B,
      signer: alice,
      recipients: [bobPub, bob, bobPub],
    })
    expect(Object.keys(record.encryptedKey).sort()).toEqual([alice.fingerprint, bob.fingerprint].sort())
  })

  it('opens for the delegator and for the delegate to the same key', async () => {
    const { record, raw } = await newRecord()
    resetRsaOperationCount()
    const forAlice = await openExchangeKey({ record, ownKeys: [alice], delegatorPublicKeys: [alicePub] })
    const forBob = await openExchangeKey({ record, ownKeys: [mallory, bob], delegatorPublicKeys: [alicePub] })
    expect(rsaOperationCount()).toBe(4) // one decryption and one verification each
    expect(forAlice.raw).toEqual(raw)
    expect(forBob.raw).toEqual(raw)
  })

  it('once the pair is known, sharing and reading entities costs zero RSA operations', async () => {
    const { record } = await newRecord()
    const kAlice = await openExchangeKey({ record, ownKeys: [alice], delegatorPublicKeys: [alicePub] })
    const kBob = await openExchangeKey({ record, ownKeys: [bob], delegatorPublicKeys: [alicePub] })
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
    const text = exchangeKeySignedText(
      A,
      B,
      ua2hex(new Uint8Array(await crypto.subtle.digest('SHA-256', forged.raw as Uint8Array<ArrayBuffer>))),
    )
    const signature = await rsaSign(mallory, utf8_2ua(text))
    const base = {
      delegator: A,
      delegate: B,
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

  it('addExchangeKeyRecipient gives a new key access without touching the signature', async () => {
    const { record, raw } = await newRecord()
    const full = { ...record, id: 'xk1', rev: '1-a' }
    const key = await openExchangeKey({ record: full, ownKeys: [alice], delegatorPublicKeys: [alicePub] })
    const added = await addExchangeKeyRecipient({ record: full, key, recipient: mallory })
    expect(added.id).toBe('xk1')
    expect(added.signature).toBe(record.signature)
    expect(Object.keys(added.encryptedKey)).toHaveLength(3)
    expect(Object.keys(full.encryptedKey)).toHaveLength(2) // input not mutated
    expect(
      (await openExchangeKey({ record: added, ownKeys: [mallory], delegatorPublicKeys: [alicePub] })).raw,
    ).toEqual(raw)

    resetRsaOperationCount()
    const again = await addExchangeKeyRecipient({ record: added, key, recipient: mallory })
    expect(again.encryptedKey).toEqual(added.encryptedKey)
    expect(rsaOperationCount()).toBe(0)
  })
})
