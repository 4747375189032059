import { beforeAll, describe, expect, it } from 'vitest'
import { createExchangeKey, generateKeyPairHex, importKeyPair, type KeyPairHandle } from '@cairn/crypto'
import { routePath, type ExchangeKeyDto, type RouteDef } from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import { DataOwnerKeys } from './data-owner-keys.ts'
import { ExchangeKeyManager } from './exchange-key-manager.ts'
import { SimpleMedTechCryptoStrategies } from './simple-medtech-crypto-strategies.ts'
import type { MedTechCryptoStrategies } from './medtech-crypto-strategies.ts'

/**
 * The manager against a server that lies: the "server" is a table of answers to GETs per path, so each
 * test states exactly what a compromised server returns; other calls echo their body.
 */
function lyingServer(answers: Record<string, unknown>) {
  const posted: unknown[] = []
  const http = {
    call: (route: RouteDef, input: { params?: Record<string, string>; body?: unknown }) => {
      const path = routePath(route, input.params)
      if (route.method === 'GET') {
        return path in answers
          ? Promise.resolve(answers[path])
          : Promise.reject(new Error(`unexpected GET ${path}`))
      }
      posted.push(input.body)
      return Promise.resolve(input.body)
    },
  } as unknown as HttpClient
  return { http, posted }
}

const owner = (id: string, key: KeyPairHandle) => ({
  type: 'HealthcareProfessional',
  dataOwner: { id, systemMetaData: { publicKeysForOaepWithSha256: [key.publicKeyHex] } },
})

describe('ExchangeKeyManager against a malicious server', () => {
  const ME = '00000000-0000-4000-8000-000000000001'
  const M = '00000000-0000-4000-8000-000000000002'
  const O = '00000000-0000-4000-8000-000000000003'
  let me: KeyPairHandle
  let m: KeyPairHandle
  let forger: KeyPairHandle

  beforeAll(async () => {
    ;[me, m, forger] = await Promise.all([1, 2, 3].map(async () => importKeyPair(await generateKeyPairHex())))
  })

  it('never uses a record of another pair, even a genuine one of ours', async () => {
    const { record } = await createExchangeKey({
      delegatorId: ME,
      delegateId: M,
      signer: me,
      recipients: [me, m],
    })
    const mine: ExchangeKeyDto = { ...record, id: crypto.randomUUID() }
    const { http, posted } = lyingServer({
      [`/exchangekey/${ME}/${ME}`]: [mine],
      [`/exchangekey/${ME}/${O}`]: [mine],
      [`/dataowner/${O}`]: owner(O, m),
    })
    const manager = new ExchangeKeyManager(
      http,
      ME,
      [me],
      new DataOwnerKeys(http),
      new SimpleMedTechCryptoStrategies(),
    )
    await manager.keyTo(ME)
    await manager.keyTo(O)
    // Both keys were created anew, for the right pairs, instead of reusing K(me -> M).
    expect(posted.map((p) => [(p as ExchangeKeyDto).delegator, (p as ExchangeKeyDto).delegate])).toEqual([
      [ME, ME],
      [ME, O],
    ])
    expect(manager.refused.map((r) => r.reason)).toEqual([
      `record of the pair ${ME} -> ${M}`,
      `record of the pair ${ME} -> ${M}`,
    ])
  })

  it('checks incoming exchange keys only with delegator keys the strategies accept', async () => {
    // The server publishes a key it made as O's and signs a K(O -> me) with it.
    const { record } = await createExchangeKey({
      delegatorId: O,
      delegateId: ME,
      signer: forger,
      recipients: [me],
    })
    const answers = {
      [`/exchangekey/${O}/${ME}`]: [{ ...record, id: crypto.randomUUID() }],
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
    expect(await new ExchangeKeyManager(http, ME, [me], new DataOwnerKeys(http), strict).keysFrom(O)).toEqual(
      [],
    )
    // With the trusting default strategy the same record is accepted: the check above is what refused it.
    const trusting = lyingServer(answers).http
    const keys = await new ExchangeKeyManager(
      trusting,
      ME,
      [me],
      new DataOwnerKeys(trusting),
      new SimpleMedTechCryptoStrategies(),
    ).keysFrom(O)
    expect(keys).toHaveLength(1)
  })
})
