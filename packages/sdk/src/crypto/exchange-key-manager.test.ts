import { beforeAll, describe, expect, it } from 'vitest'
import {
  createExchangeKey,
  generateKeyPairHex,
  importKeyPair,
  keyStatementText,
  rsaSign,
  utf8_2ua,
  type KeyPairHandle,
} from '@cairn/crypto'
import { routePath, type ExchangeKeyDto, type KeyStatementDto, type RouteDef } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import { SdkError } from '../http/sdk-error.ts'
import { MemoryStorage } from '../storage/memory-storage.ts'
import { DataOwnerKeys } from './data-owner-keys.ts'
import { ExchangeKeyManager } from './exchange-key-manager.ts'
import { KeyTrust } from './key-trust.ts'
import { SimpleMedTechCryptoStrategies } from './simple-medtech-crypto-strategies.ts'
import type { MedTechCryptoStrategies } from './medtech-crypto-strategies.ts'

/**
 * The manager against a server that lies: the "server" is a table of answers to GETs per path, so each
 * test states exactly what a compromised server returns; other calls echo their body.
 */
function lyingServer(answers: Record<string, unknown>) {
  const posted: unknown[] = []
  const puts: { path: string; body: unknown }[] = []
  const http = {
    call: (route: RouteDef, input: { params?: Record<string, string>; body?: unknown }) => {
      const path = routePath(route, input.params)
      if (route.method === 'GET') {
        return path in answers
          ? Promise.resolve(answers[path])
          : Promise.reject(new Error(`unexpected GET ${path}`))
      }
      if (route.method === 'PUT') puts.push({ path, body: input.body })
      else posted.push(input.body)
      return Promise.resolve(input.body)
    },
  } as unknown as HttpClient
  return { http, posted: posted as ExchangeKeyDto[], puts }
}

/** The data-owner document the server returns: published keys and key statements. */
const owner = (id: string, keys: KeyPairHandle | KeyPairHandle[], keyStatements: KeyStatementDto[] = []) => ({
  type: 'HealthcareProfessional',
  dataOwner: {
    id,
    systemMetaData: {
      publicKeysForOaepWithSha256: (Array.isArray(keys) ? keys : [keys]).map((k) => k.publicKeyHex),
      keyStatements,
    },
  },
})

/** A key statement of `ownerId` about `subject`, signed by `signer` (claimed as `claimed`). */
async function statement(
  kind: 'key-add' | 'key-revoke',
  ownerId: string,
  subject: KeyPairHandle,
  signer: KeyPairHandle,
  claimed: KeyPairHandle = signer,
): Promise<KeyStatementDto> {
  return {
    statement: kind,
    fingerprint: subject.fingerprint,
    signerFingerprint: claimed.fingerprint,
    signature: await rsaSign(signer, utf8_2ua(keyStatementText(kind, ownerId, subject.fingerprint))),
  }
}

/** A stored exchange-key record (with an id, as the server returns it). */
async function storedRecord(params: Parameters<typeof createExchangeKey>[0]) {
  const { record, key } = await createExchangeKey(params)
  return { dto: { ...record, id: crypto.randomUUID() } as ExchangeKeyDto, raw: key.raw }
}

describe('ExchangeKeyManager against a malicious server', () => {
  const ME = '00000000-0000-4000-8000-000000000001'
  const M = '00000000-0000-4000-8000-000000000002'
  const O = '00000000-0000-4000-8000-000000000003'
  let me: KeyPairHandle
  let m: KeyPairHandle
  let forger: KeyPairHandle
  let o1: KeyPairHandle
  let o2: KeyPairHandle
  let o3: KeyPairHandle

  beforeAll(async () => {
    ;[me, m, forger, o1, o2, o3] = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async () => importKeyPair(await generateKeyPairHex())),
    )
  })

  /** What a fresh API instance (a new session) builds over `storage`: key trust and the manager. */
  function session(
    http: HttpClient,
    storage = new MemoryStorage(),
    strategies: MedTechCryptoStrategies = new SimpleMedTechCryptoStrategies(),
  ) {
    const trust = new KeyTrust(ME, [me], new DataOwnerKeys(http), strategies, storage)
    return { trust, manager: new ExchangeKeyManager(http, ME, [me], trust) }
  }

  /** The answer every test gives for the current data owner's own document. */
  const self = () => ({ [`/dataowner/${ME}`]: owner(ME, me) })

  const signerOf = (p: ExchangeKeyDto) => p.signerFingerprint
  const sorted = (...keys: KeyPairHandle[]) => keys.map((k) => k.fingerprint).sort()

  it('never uses a record of another pair, even a genuine one of ours', async () => {
    const { dto: mine } = await storedRecord({
      delegatorId: ME,
      delegateId: M,
      signer: me,
      recipients: [me, m],
    })
    const { http, posted } = lyingServer({
      ...self(),
      [`/exchangekey/${ME}/${ME}`]: [mine],
      [`/exchangekey/${ME}/${O}`]: [mine],
      [`/dataowner/${O}`]: owner(O, m),
    })
    const { manager } = session(http)
    await manager.keyTo(ME)
    await manager.keyTo(O)
    // Both keys were created anew, for the right pairs, instead of reusing K(me -> M).
    expect(posted.map((p) => [p.delegator, p.delegate])).toEqual([
      [ME, ME],
      [ME, O],
    ])
    expect(posted.map(signerOf)).toEqual([me.fingerprint, me.fingerprint])
    expect(posted.map((p) => p.v)).toEqual([2, 2])
    expect(manager.refused.map((r) => r.reason)).toEqual([
      `record of the pair ${ME} -> ${M}`,
      `record of the pair ${ME} -> ${M}`,
    ])
  })

  it('keeps the newest refused records only: bogus records cannot grow the list without bound', async () => {
    const { dto: mine } = await storedRecord({
      delegatorId: ME,
      delegateId: M,
      signer: me,
      recipients: [me, m],
    })
    const bogus = Array.from({ length: ExchangeKeyManager.MAX_REFUSED + 50 }, (_, i) => ({
      ...mine,
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    }))
    const { http } = lyingServer({ ...self(), [`/exchangekey/${ME}/${ME}`]: bogus })
    const { manager } = session(http)
    await manager.keyTo(ME)
    expect(manager.refused).toHaveLength(ExchangeKeyManager.MAX_REFUSED)
    expect(manager.refused.at(-1)?.id).toBe(bogus.at(-1)!.id)
  })

  it('creates a signed v2 record for the trusted keys of both parties and caches it', async () => {
    const { http, posted } = lyingServer({
      ...self(),
      [`/exchangekey/${ME}/${O}`]: [],
      [`/dataowner/${O}`]: owner(O, o1),
    })
    const { manager } = session(http)
    const key = await manager.keyTo(O)
    expect(posted).toHaveLength(1)
    const [record] = posted
    expect(record).toMatchObject({ v: 2, delegator: ME, delegate: O, signerFingerprint: me.fingerprint })
    expect(record.recipients).toEqual(sorted(me, o1))
    expect(Object.keys(record.encryptedKey).sort()).toEqual(sorted(me, o1))
    expect(record.keyCreated).toBeGreaterThan(0)
    // Cached: no second record.
    expect(await manager.keyTo(O)).toBe(key)
    expect(posted).toHaveLength(1)
  })

  it('checks incoming exchange keys only with delegator keys the strategies accept', async () => {
    // The server publishes a key it made as O's and signs a K(O -> me) with it.
    const { dto } = await storedRecord({ delegatorId: O, delegateId: ME, signer: forger, recipients: [me] })
    const answers = {
      ...self(),
      [`/exchangekey/${O}/${ME}`]: [dto],
      [`/dataowner/${O}`]: owner(O, forger),
    }
    const strict: MedTechCryptoStrategies = {
      ...new SimpleMedTechCryptoStrategies(),
      recoverAndVerifyKeys: () => Promise.resolve({ recoveredKeyPairs: [], verifiedKeys: {} }),
      allowNewKeyPairGeneration: () => Promise.resolve(false),
      notifyKeyPairGeneration: () => Promise.resolve(),
      verifyDelegatePublicKeys: (_id, keys) => Promise.resolve(keys.filter((k) => k !== forger.publicKeyHex)),
    }
    const { http } = lyingServer(answers)
    const strictSession = session(http, new MemoryStorage(), strict)
    expect(await strictSession.manager.keysFrom(O)).toEqual([])
    expect(strictSession.manager.refused.map((r) => r.id)).toEqual([dto.id])
    // With the trusting default strategy the same record is accepted: the check above is what refused it.
    const trusting = lyingServer(answers).http
    const keys = await session(trusting).manager.keysFrom(O)
    expect(keys).toHaveLength(1)
  })

  it('never trusts a key the server adds to my own data-owner document', async () => {
    // K(me -> me) signed by a key the server published as mine: the device key is the only own key.
    const { dto } = await storedRecord({ delegatorId: ME, delegateId: ME, signer: forger, recipients: [me] })
    const { http, posted } = lyingServer({
      [`/dataowner/${ME}`]: owner(ME, [me, forger]),
      [`/exchangekey/${ME}/${ME}`]: [dto],
    })
    const { manager, trust } = session(http)
    expect((await trust.keysOf(ME)).accepted.map((k) => k.fingerprint)).toEqual([me.fingerprint])
    expect(await manager.keysFrom(ME)).toEqual([])
    await manager.keyTo(ME)
    expect(posted).toHaveLength(1)
    expect(posted[0].recipients).toEqual([me.fingerprint])
  })

  describe('choosing the record to share with', () => {
    it('uses the newest suitable record by signed keyCreated, whatever the order the server returns', async () => {
      const records = await Promise.all(
        [1000, 3000, 2000].map((now) =>
          storedRecord({ delegatorId: ME, delegateId: O, signer: me, recipients: [o1], now }),
        ),
      )
      const newest = records[1]
      for (const order of [
        [0, 1, 2],
        [1, 0, 2],
        [2, 0, 1],
        [2, 1, 0],
      ]) {
        const { http, posted } = lyingServer({
          ...self(),
          [`/exchangekey/${ME}/${O}`]: order.map((i) => records[i].dto),
          [`/dataowner/${O}`]: owner(O, o1),
        })
        const key = await session(http).manager.keyTo(O)
        expect(key.raw).toEqual(newest.raw)
        expect(posted).toHaveLength(0)
      }
    })

    it('a keyCreated changed by the server does not make an old record the newest', async () => {
      const old = await storedRecord({
        delegatorId: ME,
        delegateId: O,
        signer: me,
        recipients: [o1],
        now: 1000,
      })
      const recent = await storedRecord({
        delegatorId: ME,
        delegateId: O,
        signer: me,
        recipients: [o1],
        now: 2000,
      })
      const { http, posted } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [{ ...old.dto, keyCreated: 9000 }, recent.dto],
        [`/dataowner/${O}`]: owner(O, o1),
      })
      const { manager } = session(http)
      expect((await manager.keyTo(O)).raw).toEqual(recent.raw)
      expect(posted).toHaveLength(0)
      expect(manager.refused.map((r) => r.id)).toEqual([old.dto.id])
    })

    it('an older record served after a newer one was used is not used (a new record is created)', async () => {
      const old = await storedRecord({
        delegatorId: ME,
        delegateId: O,
        signer: me,
        recipients: [o1],
        now: 1000,
      })
      const recent = await storedRecord({
        delegatorId: ME,
        delegateId: O,
        signer: me,
        recipients: [o1],
        now: 2000,
      })
      const answers: Record<string, unknown> = {
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [old.dto, recent.dto],
        [`/dataowner/${O}`]: owner(O, o1),
      }
      const { http, posted } = lyingServer(answers)
      const { manager } = session(http)
      expect((await manager.keyTo(O)).raw).toEqual(recent.raw)
      // The server now hides the newer record (rollback to a key it may have obtained).
      answers[`/exchangekey/${ME}/${O}`] = [old.dto]
      manager.clear()
      const key = await manager.keyTo(O)
      expect(key.raw).not.toEqual(old.raw)
      expect(key.raw).not.toEqual(recent.raw)
      expect(posted).toHaveLength(1)
    })

    it('a record not encrypted for every trusted key of the delegate is not used', async () => {
      // O publishes o1 and o2 (trusted on first contact); the stored record only covers o1.
      const { dto, raw } = await storedRecord({
        delegatorId: ME,
        delegateId: O,
        signer: me,
        recipients: [o1],
      })
      const { http, posted } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [dto],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const key = await session(http).manager.keyTo(O)
      expect(key.raw).not.toEqual(raw)
      expect(posted).toHaveLength(1)
      expect(posted[0].recipients).toEqual(sorted(me, o1, o2))
    })

    it('a record whose signed recipients include a key of the delegate no longer trusted is not used', async () => {
      const storage = new MemoryStorage()
      // Session 1: first contact, O publishes o1 and o2, both trusted and pinned; K(me -> O) made for both.
      const first = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const s1 = session(first.http, storage)
      const k1 = await s1.manager.keyTo(O)
      expect(first.posted[0].recipients).toEqual(sorted(me, o1, o2))
      const r1 = { ...first.posted[0], id: crypto.randomUUID() } as ExchangeKeyDto

      // Control: without a change of keys, a new session uses that record as is.
      const unchanged = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [r1],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      expect((await session(unchanged.http, storage).manager.keyTo(O)).raw).toEqual(k1.raw)
      expect(unchanged.posted).toHaveLength(0)

      // Session 2: O revoked o2 (statement signed by o1). The stored record still names o2: not used.
      const second = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [r1],
        [`/dataowner/${O}`]: owner(O, [o1, o2], [await statement('key-revoke', O, o2, o1)]),
      })
      const k2 = await session(second.http, storage).manager.keyTo(O)
      expect(k2.raw).not.toEqual(k1.raw)
      expect(second.posted).toHaveLength(1)
      expect(second.posted[0].recipients).toEqual(sorted(me, o1))
      expect(Object.keys(second.posted[0].encryptedKey)).not.toContain(o2.fingerprint)

      // Session 3: the server hides the revocation statement; o2 stays revoked (remembered in the pins)
      // and the record made for o1 only is used as is.
      const r2 = { ...second.posted[0], id: crypto.randomUUID() } as ExchangeKeyDto
      const third = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [r1, r2],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const s3 = session(third.http, storage)
      expect((await s3.manager.keyTo(O)).raw).toEqual(k2.raw)
      expect(third.posted).toHaveLength(0)
      expect((await s3.trust.keysOf(O)).revoked).toEqual([o2.fingerprint])
    })
  })

  describe('key pinning with SimpleMedTechCryptoStrategies', () => {
    it('first contact trusts and pins the published keys', async () => {
      const storage = new MemoryStorage()
      const { http, posted } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const { trust, manager } = session(http, storage)
      const t = await trust.keysOf(O)
      expect(t.pinned).toEqual([])
      expect(t.accepted.map((k) => k.fingerprint).sort()).toEqual(sorted(o1, o2))
      expect(t.refused).toEqual([])
      await manager.keyTo(O)
      expect(posted[0].recipients).toEqual(sorted(me, o1, o2))
      // A new session over the same storage sees them as pinned.
      const later = session(http, storage)
      expect((await later.trust.keysOf(O)).pinned.sort()).toEqual(sorted(o1, o2))
    })

    /** Session 1 pins o1 as O's only key; returns the storage holding the pin. */
    async function pinnedO1(): Promise<MemoryStorage> {
      const storage = new MemoryStorage()
      const { http } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, o1),
      })
      await session(http, storage).manager.keyTo(O)
      return storage
    }

    it('a key added afterwards (new session) is refused with KEY_VERIFICATION naming both fingerprints', async () => {
      const storage = await pinnedO1()
      const { http, posted } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const { manager, trust } = session(http, storage)
      const e = await manager.keyTo(O).then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(SdkError)
      expect((e as SdkError).code).toBe('KEY_VERIFICATION')
      expect((e as SdkError).message).toContain(o1.fingerprint)
      expect((e as SdkError).message).toContain(o2.fingerprint)
      expect(posted).toHaveLength(0)
      const t = await trust.keysOf(O)
      expect(t.accepted.map((k) => k.fingerprint)).toEqual([o1.fingerprint])
      expect(t.refused.map((k) => k.fingerprint)).toEqual([o2.fingerprint])
      // Still refused in the next session: a refusal does not pin the key.
      await expect(session(http, storage).manager.keyTo(O)).rejects.toMatchObject({
        code: 'KEY_VERIFICATION',
      })
    })

    it('a K(O -> me) signed by the unverified added key is not used; one signed by the pinned key is', async () => {
      const storage = await pinnedO1()
      const bySecond = await storedRecord({ delegatorId: O, delegateId: ME, signer: o2, recipients: [me] })
      const byFirst = await storedRecord({ delegatorId: O, delegateId: ME, signer: o1, recipients: [me] })
      const { http } = lyingServer({
        ...self(),
        [`/exchangekey/${O}/${ME}`]: [bySecond.dto, byFirst.dto],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const { manager } = session(http, storage)
      const keys = await manager.keysFrom(O)
      expect(keys.map((k) => k.raw)).toEqual([byFirst.raw])
      expect(manager.refused.map((r) => r.id)).toEqual([bySecond.dto.id])
    })

    it('a key-add statement signed by the pinned key makes the added key trusted', async () => {
      const storage = await pinnedO1()
      const { http, posted } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, [o1, o2], [await statement('key-add', O, o2, o1)]),
      })
      const { manager, trust } = session(http, storage)
      await manager.keyTo(O)
      expect(posted).toHaveLength(1)
      expect(posted[0].recipients).toEqual(sorted(me, o1, o2))
      const t = await trust.keysOf(O)
      expect(t.refused).toEqual([])
      expect(t.pinned).toEqual([o1.fingerprint])
      // Now pinned: the next session trusts o2 even if the server drops the statement.
      const later = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, [o1, o2]),
      })
      const t2 = await session(later.http, storage).trust.keysOf(O)
      expect(t2.accepted.map((k) => k.fingerprint).sort()).toEqual(sorted(o1, o2))
    })

    it('key-add chains: a key added by a key added by the pinned key is trusted', async () => {
      const storage = await pinnedO1()
      const { http } = lyingServer({
        ...self(),
        // Listed in the "wrong" order on purpose.
        [`/dataowner/${O}`]: owner(
          O,
          [o1, o2, o3],
          [await statement('key-add', O, o3, o2), await statement('key-add', O, o2, o1)],
        ),
      })
      const t = await session(http, storage).trust.keysOf(O)
      expect(t.accepted.map((k) => k.fingerprint).sort()).toEqual(sorted(o1, o2, o3))
    })

    it('a key-add not signed by a pinned key, forged, or of another data owner does not help', async () => {
      const variants: [string, KeyStatementDto][] = [
        ['self-signed by the new key', await statement('key-add', O, o2, o2)],
        ['signed by a key that is not O’s', await statement('key-add', O, o2, forger)],
        ['claimed as the pinned key, signed by another', await statement('key-add', O, o2, forger, o1)],
        ['a statement of another data owner', await statement('key-add', M, o2, o1)],
        [
          'a revocation relabelled as an addition',
          { ...(await statement('key-revoke', O, o2, o1)), statement: 'key-add' },
        ],
      ]
      for (const [what, st] of variants) {
        const storage = await pinnedO1()
        const { http } = lyingServer({
          ...self(),
          [`/exchangekey/${ME}/${O}`]: [],
          [`/dataowner/${O}`]: owner(O, [o1, o2], [st]),
        })
        await expect(session(http, storage).manager.keyTo(O), what).rejects.toMatchObject({
          code: 'KEY_VERIFICATION',
        })
      }
    })

    it('a key-revoke statement removes a key from the accepted keys', async () => {
      const storage = new MemoryStorage()
      // First contact: o1 and o2 trusted and pinned.
      const first = lyingServer({ ...self(), [`/dataowner/${O}`]: owner(O, [o1, o2]) })
      expect((await session(first.http, storage).trust.keysOf(O)).accepted).toHaveLength(2)

      const revokedRecord = await storedRecord({
        delegatorId: O,
        delegateId: ME,
        signer: o2,
        recipients: [me],
      })
      const { http, posted } = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/exchangekey/${O}/${ME}`]: [revokedRecord.dto],
        [`/dataowner/${O}`]: owner(O, [o1, o2], [await statement('key-revoke', O, o2, o1)]),
      })
      const { trust, manager } = session(http, storage)
      const t = await trust.keysOf(O)
      expect(t.accepted.map((k) => k.fingerprint)).toEqual([o1.fingerprint])
      expect(t.revoked).toEqual([o2.fingerprint])
      expect(t.refused).toEqual([]) // revoked, not "changed": no KEY_VERIFICATION
      await manager.keyTo(O)
      expect(posted[0].recipients).toEqual(sorted(me, o1))
      // What the revoked key signs is no longer trusted.
      expect(await manager.keysFrom(O)).toEqual([])
    })

    it('a key may revoke itself; an invalid revocation is ignored', async () => {
      const storage = new MemoryStorage()
      const self1 = lyingServer({
        ...self(),
        [`/dataowner/${O}`]: owner(O, [o1, o2], [await statement('key-revoke', O, o2, o2)]),
      })
      const t = await session(self1.http, storage).trust.keysOf(O)
      expect(t.accepted.map((k) => k.fingerprint)).toEqual([o1.fingerprint])

      for (const st of [
        await statement('key-revoke', O, o1, forger), // signer not a key of O
        await statement('key-revoke', O, o1, forger, o2), // claims o2, signed by another key
        await statement('key-revoke', M, o1, o1), // another data owner's statement
      ]) {
        const { http } = lyingServer({ ...self(), [`/dataowner/${O}`]: owner(O, [o1, o2], [st]) })
        const t2 = await session(http).trust.keysOf(O)
        expect(t2.accepted.map((k) => k.fingerprint).sort()).toEqual(sorted(o1, o2))
        expect(t2.revoked).toEqual([])
      }
    })

    it('a key-add signed by a revoked key does not make the added key trusted', async () => {
      const storage = new MemoryStorage()
      const first = lyingServer({ ...self(), [`/dataowner/${O}`]: owner(O, [o1, o2]) })
      await session(first.http, storage).trust.keysOf(O)
      const revoke = await statement('key-revoke', O, o2, o1)
      // The thief of o2 publishes its key o3 "added" by o2, in the session the revocation is seen...
      const same = lyingServer({
        ...self(),
        [`/exchangekey/${ME}/${O}`]: [],
        [`/dataowner/${O}`]: owner(O, [o1, o2, o3], [revoke, await statement('key-add', O, o3, o2)]),
      })
      const s2 = session(same.http, storage)
      const t = await s2.trust.keysOf(O)
      expect(t.revoked).toEqual([o2.fingerprint])
      expect(t.accepted.map((k) => k.fingerprint)).toEqual([o1.fingerprint])
      await expect(s2.manager.keyTo(O)).rejects.toMatchObject({ code: 'KEY_VERIFICATION' })
      expect(same.posted).toHaveLength(0)
    })

    it('a key-add signed by a key revoked in an earlier session does not make the added key trusted', async () => {
      const storage = new MemoryStorage()
      const first = lyingServer({ ...self(), [`/dataowner/${O}`]: owner(O, [o1, o2]) })
      await session(first.http, storage).trust.keysOf(O)
      const second = lyingServer({
        ...self(),
        [`/dataowner/${O}`]: owner(O, [o1, o2], [await statement('key-revoke', O, o2, o1)]),
      })
      expect((await session(second.http, storage).trust.keysOf(O)).revoked).toEqual([o2.fingerprint])
      // Later, the revocation is hidden and o2 "adds" o3.
      const third = lyingServer({
        ...self(),
        [`/dataowner/${O}`]: owner(O, [o1, o2, o3], [await statement('key-add', O, o3, o2)]),
      })
      const t = await session(third.http, storage).trust.keysOf(O)
      expect(t.accepted.map((k) => k.fingerprint)).toEqual([o1.fingerprint])
    })
  })

  it('giveAccessBack adds an entry for a new key to every record of the pair, both directions', async () => {
    const out = await storedRecord({ delegatorId: ME, delegateId: O, signer: me, recipients: [o1] })
    const inc = await storedRecord({ delegatorId: O, delegateId: ME, signer: o1, recipients: [me] })
    const { http, puts } = lyingServer({
      ...self(),
      [`/exchangekey/${ME}/${O}`]: [out.dto],
      [`/exchangekey/${O}/${ME}`]: [inc.dto],
      [`/dataowner/${O}`]: owner(O, o1),
    })
    expect(await session(http).manager.giveAccessBack(O, o2)).toBe(2)
    expect(puts.map((p) => p.path).sort()).toEqual(
      [`/exchangekey/${out.dto.id}/recipients`, `/exchangekey/${inc.dto.id}/recipients`].sort(),
    )
    for (const p of puts) {
      expect(Object.keys((p.body as { encryptedKey: Record<string, string> }).encryptedKey)).toEqual([
        o2.fingerprint,
      ])
    }
  })
})
