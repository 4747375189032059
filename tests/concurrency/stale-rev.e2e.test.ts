import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Patient, SdkError } from '@cairn/sdk'
import type { EncryptedEntityDto } from '@cairn/protocol'
import { BACKENDS } from '../support/backends.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { client, emptyMeta, expectError, uuid, type Answer, type Client } from '../access/http.ts'

/**
 * Optimistic concurrency under real parallel requests, on each storage backend: two delegators of
 * the same entity write it at the same rev at the same time. Exactly one wins; the other gets 409
 * CONFLICT (never a 403 because the winner's new delegation entries are missing from its document),
 * and what is stored is the winner's write. The loser may be stopped by the service (it read the
 * winner's rev) or by storage (both read the old rev; the UPDATE re-checks it): both answer 409.
 */
const ROUNDS = 20
const R = '/rest/v1'

/** `doc` shared with one more (made-up) data owner, with entries owned by `owner`. */
function sharedWith(doc: EncryptedEntityDto, owner: string, delegate: string): EncryptedEntityDto {
  const next = structuredClone(doc)
  const entry = { owner, delegatedTo: delegate, key: `k-${owner}-${delegate}` }
  next.systemMetaData.delegations[delegate] = [entry]
  next.systemMetaData.encryptionKeys[delegate] = [entry]
  return next
}

/** The one 200 of a race and the other answer, which must be a 409 CONFLICT. */
function winnerOf<T>(answers: Answer<T>[]): { winner: number; body: T } {
  const statuses = answers.map((a) => a.status)
  expect([...statuses].sort(), answers.map((a) => a.text).join('\n')).toEqual([200, 409])
  const winner = statuses.indexOf(200)
  expectError(answers[1 - winner], 409, 'CONFLICT', /stale/)
  return { winner, body: answers[winner].body }
}

for (const backend of BACKENDS) {
  describe.skipIf(!backend.enabled)(`concurrent writes at the same rev (${backend.name})`, () => {
    let server: ServerProcess
    let http: Client
    let a: Actor
    let b: Actor
    let tok: { a: string; b: string }

    beforeAll(async () => {
      server = await startServer({ databaseUrl: backend.databaseUrl })
      http = client(server.url)
      ;[a, b] = await Promise.all([newHcp(server, 'race-a'), newHcp(server, 'race-b')])
      tok = {
        a: (await http.login(a.login, a.password)).token,
        b: (await http.login(b.login, b.password)).token,
      }
    })
    afterAll(() => disposeServer(server))

    /** A patient both A and B may read and write (entries owned by A), as stored. */
    async function sharedPatient(): Promise<EncryptedEntityDto> {
      const meta = emptyMeta()
      for (const d of [a.dataOwnerId, b.dataOwnerId]) {
        const entry = { owner: a.dataOwnerId, delegatedTo: d, key: `k-${d}` }
        meta.delegations[d] = [entry]
        meta.encryptionKeys[d] = [entry]
      }
      const res = await http.post<EncryptedEntityDto>(
        `${R}/patient`,
        { id: uuid(), systemMetaData: meta },
        tok.a,
      )
      expect(res.status, res.text).toBe(200)
      return res.body
    }

    it(`two delegators sharing the same entity at the same rev, ${ROUNDS} rounds: one wins, the other gets 409`, async () => {
      let current = await sharedPatient()
      const wins = [0, 0]
      for (let round = 0; round < ROUNDS; round++) {
        // Each adds a delegate of its own: whoever loses sends a document without the winner's
        // new entries, which at the current rev would be a forbidden removal (403).
        const answers = await Promise.all([
          http.put<EncryptedEntityDto>(`${R}/patient`, sharedWith(current, a.dataOwnerId, uuid()), tok.a),
          http.put<EncryptedEntityDto>(`${R}/patient`, sharedWith(current, b.dataOwnerId, uuid()), tok.b),
        ])
        const { winner, body } = winnerOf(answers)
        wins[winner]++
        const stored = await http.get<EncryptedEntityDto>(`${R}/patient/${current.id}`, tok.a)
        expect(stored.body).toEqual(body)
        expect(Number.parseInt(body.rev!, 10)).toBe(round + 2)
        current = body
      }
      expect(wins[0] + wins[1]).toBe(ROUNDS)
    })

    it(`two delegators sending whole batches at the same rev, ${ROUNDS} rounds: all of one batch, none of the other`, async () => {
      let current: EncryptedEntityDto[] = await Promise.all([
        sharedPatient(),
        sharedPatient(),
        sharedPatient(),
      ])
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all([
          http.put<EncryptedEntityDto[]>(
            `${R}/patient/batch`,
            current.map((d) => ({ ...d, note: `a-${round}` })),
            tok.a,
          ),
          http.put<EncryptedEntityDto[]>(
            `${R}/patient/batch`,
            // B's batch holds a forbidden change too: the stale rev is what B is told.
            current.map((d, i) =>
              i === 0 ? sharedWith(d, b.dataOwnerId, uuid()) : { ...d, note: `b-${round}` },
            ),
            tok.b,
          ),
        ])
        const { body } = winnerOf(answers)
        for (const doc of body) {
          expect((await http.get(`${R}/patient/${doc.id}`, tok.a)).body).toEqual(doc)
        }
        current = body
      }
    })

    it('a stale rev with a forbidden change is a 409 and nothing changes', async () => {
      const v1 = await sharedPatient()
      const v2 = await http.put<EncryptedEntityDto>(`${R}/patient`, { ...v1, note: 'v2' }, tok.a)
      expect(v2.status, v2.text).toBe(200)
      const removeA = structuredClone(v1)
      delete removeA.systemMetaData.delegations[a.dataOwnerId]
      delete removeA.systemMetaData.encryptionKeys[a.dataOwnerId]
      expectError(
        await http.put(`${R}/patient`, removeA, tok.b),
        409,
        'CONFLICT',
        `rev ${v1.rev} is stale (current ${v2.body.rev})`,
      )
      expect((await http.get(`${R}/patient/${v1.id}`, tok.a)).body).toEqual(v2.body)
    })

    it('through the SDK: two delegators modifying the same patient at once, one gets a 409 SdkError', async () => {
      const created = await a.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Race', lastName: 'Condition' }),
      )
      let current = await a.api.patientApi.giveAccessTo(created, b.dataOwnerId)
      for (let round = 0; round < 5; round++) {
        const results = await Promise.allSettled([
          a.api.patientApi.createOrModifyPatient(new Patient({ ...current, note: `a-${round}` })),
          b.api.patientApi.createOrModifyPatient(new Patient({ ...current, note: `b-${round}` })),
        ])
        const won = results.filter((r) => r.status === 'fulfilled')
        const lost = results.filter((r) => r.status === 'rejected')
        expect([won.length, lost.length]).toEqual([1, 1])
        const error = lost[0].reason as unknown
        expect(error).toBeInstanceOf(SdkError)
        expect(error).toMatchObject({ status: 409, code: 'CONFLICT' })
        const winner = won[0].value
        const stored = await a.api.patientApi.getPatient(created.id!)
        expect([stored.rev, stored.note]).toEqual([winner.rev, winner.note])
        current = stored
      }
    })
  })
}
