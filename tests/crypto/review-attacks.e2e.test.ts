import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import {
  createExchangeKey,
  decryptSelf,
  encryptSelf,
  generateAesKey,
  importKeyPair,
  importPublicKey,
  rsaOperationCount,
  resetRsaOperationCount,
  sealEntity,
  wrapValue,
  type AesKey,
} from '@cairn/crypto'
import { API_PREFIX, type EncryptedEntityDto, type EntityType } from '@cairn/protocol'
import {
  DataSample,
  MemoryStorage,
  Patient,
  SimpleMedTechCryptoStrategies,
  medTechApi,
  type IntegrityReport,
  type MedTechApi,
  type StorageFacade,
} from '@cairn/sdk'
// What a seal covers, exactly as the SDK computes it: the test forges seals the way a key holder would.
import { sealedContent } from '../../packages/sdk/src/crypto/entity-crypto.ts'
import { disposeServer, startServer, type ServerProcess } from '../support/server-process.ts'
import { newHcp, type Actor } from '../support/actors.ts'
import { expectIntegrityError, glucose, rejection, valueOf } from '../support/integrity-expectations.ts'
import { operatorDb } from '../support/operator-db.ts'

/**
 * Regression tests for the attacks of the security review of protocol v2 (review fixes 1d00277): each
 * attack, set up as the reviewer did (the operator editing the SQLite database, or answering the API
 * through a proxy), must now fail: the SDK refuses, reports or withholds, never shows forged data,
 * never seals it as its own, never lets a list fail or cost per entity. One server for the file.
 * (The review's "Node default storage keeps pins in memory" is a documented limit, with a warning.)
 */

let server: ServerProcess
let db: Database.Database
let proxy: AnswerProxy
/** Doctor whose data most attacks target; the colleague the puppet attack names as creator. */
let a: Actor
/** A colleague of `a`, reading what `a` shares. */
let b: Actor
/** The victim of the puppet attack, and the data owner the operator registered with a key it knows. */
let v: Actor
let puppet: Actor

// ---------- the operator's view: the database ----------

const { readRow, readDoc, writeDoc, insertDoc, insertExchangeKey } = operatorDb(() => db)

// ---------- the operator's view: the API, through a proxy ----------

/** A request the proxy forwarded: method and path (with its query) under the server's root. */
interface Seen {
  method: string
  path: string
}

/**
 * An HTTP proxy in front of the server: what an operator (or anyone on the path) sees and answers.
 * It records every request, and `rewrite` may replace the body of a successful JSON answer (it gets
 * the request and the parsed body and returns the new body, as a value or as raw JSON text).
 */
class AnswerProxy {
  readonly seen: Seen[] = []
  rewrite?: (req: Seen, body: unknown) => unknown

  private constructor(
    private readonly http: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<AnswerProxy> {
    const holder: { proxy?: AnswerProxy } = {}
    const http = createServer((req, res) => {
      holder.proxy!.forward(target, req, res).catch((e: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(String(e))
      })
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const address = http.address()
    if (!address || typeof address === 'string') throw new Error('proxy has no port')
    holder.proxy = new AnswerProxy(http, `http://127.0.0.1:${address.port}`)
    return holder.proxy
  }

  /** Forgets what was seen and stops rewriting. */
  reset(rewrite?: (req: Seen, body: unknown) => unknown): void {
    this.seen.length = 0
    this.rewrite = rewrite
  }

  /** Requests seen with this method whose path starts with `API_PREFIX + prefix`. */
  count(method: string, prefix: string): number {
    return this.seen.filter((s) => s.method === method && s.path.startsWith(API_PREFIX + prefix)).length
  }

  close(): Promise<void> {
    this.http.closeAllConnections()
    return new Promise((resolve) => this.http.close(() => resolve()))
  }

  private async forward(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const seen: Seen = { method: req.method ?? 'GET', path: req.url ?? '/' }
    this.seen.push(seen)
    const headers: Record<string, string> = {}
    for (const h of ['authorization', 'content-type', 'accept'])
      if (typeof req.headers[h] === 'string') headers[h] = req.headers[h]
    const answer = await fetch(target + seen.path, {
      method: seen.method,
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    })
    let text = await answer.text()
    const rewrite = this.rewrite
    if (rewrite && answer.ok && text) {
      const out = rewrite(seen, JSON.parse(text))
      text = typeof out === 'string' ? out : JSON.stringify(out)
    }
    const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }
    const requestId = answer.headers.get('x-request-id')
    if (requestId) out['x-request-id'] = requestId
    res.writeHead(answer.status, out)
    res.end(text)
  }
}

// ---------- actors ----------

/** The hex key pair an actor logs in with (given to SimpleMedTechCryptoStrategies by the actor helper). */
const pairOf = (actor: Actor) => (actor.api.cryptoStrategies as SimpleMedTechCryptoStrategies).keyPairs[0]
/** The actor's key pair as the test uses it to act as that data owner (the operator's puppet). */
const handleOf = (actor: Actor) => importKeyPair(pairOf(actor))

/**
 * A new API instance of the same login (a restarted app): by default with the SAME StorageFacade as
 * the actor's first instance (key pins and the memory of created entities persist), optionally with
 * another storage, through the proxy, or with an integrity handler. Its rollback memory starts empty.
 */
async function reopen(
  actor: Actor,
  opts: { reports?: IntegrityReport[]; via?: string; storage?: StorageFacade<string> } = {},
): Promise<MedTechApi> {
  const builder = medTechApi()
    .withICureBaseUrl(opts.via ?? server.url)
    .withUserName(actor.login)
    .withPassword(actor.password)
    .withCryptoStrategies(new SimpleMedTechCryptoStrategies([pairOf(actor)]))
  if (opts.storage) builder.withStorage(opts.storage)
  else builder.withStorage(actor.api.storage).withKeyStorage(actor.api.keyStorage)
  const reports = opts.reports
  if (reports) builder.withIntegrityFailureHandler((r) => reports.push(r))
  return builder.build()
}

// ---------- expectations ----------

const sortedValues = (l: DataSample[]) => l.map((s) => valueOf(s)).sort((x, y) => (x ?? 0) - (y ?? 0))

beforeAll(async () => {
  server = await startServer()
  ;[a, b, v, puppet] = await Promise.all([
    newHcp(server, 'doctor-a'),
    newHcp(server, 'doctor-b'),
    newHcp(server, 'victim'),
    newHcp(server, 'puppet'),
  ])
  db = new Database(join(server.dataDir, 'cairn.db'))
  db.pragma('busy_timeout = 5000')
  proxy = await AnswerProxy.start(server.url)
})
afterAll(async () => {
  await proxy?.close()
  db?.close()
  await disposeServer(server)
})

// ---------- 1. puppet data owner ----------

/**
 * Forges, as the operator with a puppet data owner whose key it knows, a revision of `original`
 * readable by `reader` under a new entity key k': the reader's key entry is owned by the puppet
 * (wrapped under K(puppet -> reader), which the operator made), the seal names `creator` / `writer`
 * and carries no writer proof. Returns the document and k'.
 */
async function forgeViaPuppet(
  type: EntityType,
  original: EncryptedEntityDto,
  reader: Actor,
  xk: AesKey,
  fields: Record<string, unknown>,
  creator: string,
  writer: string,
): Promise<{ doc: EncryptedEntityDto; k: AesKey }> {
  const k = await generateAesKey()
  const entry = {
    owner: puppet.dataOwnerId,
    delegatedTo: reader.dataOwnerId,
    key: await wrapValue(xk, 'ek', type, original.id, reader.dataOwnerId, k.raw),
  }
  const sm = {
    ...original.systemMetaData,
    encryptedSelf: await encryptSelf(k, type, original.id, fields),
    encryptionKeys: { ...original.systemMetaData.encryptionKeys, [reader.dataOwnerId]: [entry] },
  }
  const doc = { ...original, systemMetaData: sm } as EncryptedEntityDto
  sm.seal = (
    await sealEntity({ k, content: sealedContent(type, doc), seq: 1, creator, writer, proofKeys: new Map() })
  ).seal
  return { doc, k }
}

describe('REVIEW 1: operator alone (puppet data owner + TOFU) substitutes content', () => {
  let xk: AesKey
  beforeAll(async () => {
    // The operator makes K(puppet -> V) itself: V's public key is public. V never dealt with the puppet.
    const { record, key } = await createExchangeKey({
      delegatorId: puppet.dataOwnerId,
      delegateId: v.dataOwnerId,
      signer: await handleOf(puppet),
      recipients: [await importPublicKey(pairOf(v).publicKey)],
    })
    insertExchangeKey(record)
    xk = key
  })

  it("V's own never-shared record re-keyed and passed off as A's is refused, and V's fix never goes under k'", async () => {
    const own = await v.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Own', lastName: 'Record', note: 'dose: 5 mg' }),
    )
    const id = own.id!
    // creator = writer = A (a colleague V trusts), no proof: it looks like a record A shared.
    const forged = await forgeViaPuppet(
      'patient',
      readDoc('patient', id),
      v,
      xk,
      { note: 'dose: 50 mg' },
      a.dataOwnerId,
      a.dataOwnerId,
    )
    writeDoc('patient', forged.doc)

    // A restarted app with the same StorageFacade remembers that V created it, with another key.
    const restarted = await reopen(v)
    await expectIntegrityError(
      restarted.patientApi.getPatient(id),
      'patient',
      id,
      new RegExp(`data owner ${v.dataOwnerId} created it, but it now names ${a.dataOwnerId} as creator`),
    )
    // V corrects its record there: refused, and nothing is written under the operator's k'.
    const fix = await rejection(
      restarted.patientApi.createOrModifyPatient(
        new Patient({ id, rev: own.rev, note: 'dose: 7 mg (corrected)' }),
      ),
    )
    expect(fix.code, fix.message).toBe('INTEGRITY')
    expect(fix.message).toMatch(new RegExp(`data owner ${v.dataOwnerId} created it, but it now names`))
    expect(readRow('patient', id).rev).toBe(own.rev)
    const stored = readDoc('patient', id)
    const underK = await decryptSelf(forged.k, 'patient', id, stored.systemMetaData.encryptedSelf!)
    expect(JSON.stringify(underK)).not.toContain('7 mg')
    expect(underK.note).toBe('dose: 50 mg')

    // Documented limit: an instance with a fresh, empty storage has no such memory. It shows the forged
    // revision, but never as verified: the writer A gave no proof.
    const freshStorage = await reopen(v, { storage: new MemoryStorage() })
    const seen = await freshStorage.patientApi.getPatient(id)
    expect(seen.note).toBe('dose: 50 mg')
    expect(seen.systemMetaData?.writer).toEqual({ dataOwnerId: a.dataOwnerId, verified: false })
  })

  it("a sample planted in a patient's list with copied secret ids and no encrypted parent is left out and reported", async () => {
    const pat = await v.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'List', lastName: 'Me' }),
    )
    const genuine = await v.api.dataSampleApi.createOrModifyDataSampleFor(pat.id!, glucose(5.4))
    const g = readDoc('data_sample', genuine.id!)
    // Only the clear secretForeignKeys of a genuine sample are needed; no cryptedForeignKeys.
    const base = {
      ...g,
      id: crypto.randomUUID(),
      rev: '1-planted',
      systemMetaData: { ...g.systemMetaData, cryptedForeignKeys: {} },
    } as EncryptedEntityDto
    const planted = await forgeViaPuppet(
      'dataSample',
      base,
      v,
      xk,
      { content: { en: { measureValue: { value: 15.4, unit: 'mmol/L' } } } },
      a.dataOwnerId,
      a.dataOwnerId,
    )
    insertDoc('data_sample', planted.doc)

    const reports: IntegrityReport[] = []
    const api = await reopen(v, { reports })
    const listed = await api.dataSampleApi.getDataSamplesForPatient(await api.patientApi.getPatient(pat.id!))
    expect(sortedValues(listed)).toEqual([5.4])
    expect(reports).toEqual([
      expect.objectContaining({
        kind: 'integrity',
        entityType: 'dataSample',
        entityId: planted.doc.id,
        reason: expect.stringMatching(/carries no encrypted parent id/) as unknown,
      }),
    ])
  })
})

// ---------- 2. redated create answer ----------

describe('REVIEW 2: the answer to a create is not what the client keeps nor seals', () => {
  it('a redated create answer is ignored: the model keeps the sent date, and so does the next revision', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'Ans', lastName: 'Wer' }))
    let rewritten = 0
    proxy.reset((req, body) => {
      if (req.method !== 'POST' || req.path !== `${API_PREFIX}/datasample/batch`) return body
      for (const d of body as Record<string, unknown>[]) d.valueDate = 19990101000000
      rewritten++
      return body
    })
    try {
      const api = await reopen(a, { via: proxy.url })
      const created = await api.dataSampleApi.createOrModifyDataSampleFor(p.id!, glucose(5.4))
      expect(rewritten).toBe(1)
      expect(created.valueDate).toBe(20240105083000)
      // The app edits the comment of what it got back and saves it: the forged date is not sealed.
      const edited = await api.dataSampleApi.createOrModifyDataSampleFor(
        p.id!,
        new DataSample({ ...created, comment: 'edited' }),
      )
      expect(edited.valueDate).toBe(20240105083000)

      const fresh = await reopen(a)
      const read = await fresh.dataSampleApi.getDataSample(edited.id!)
      expect(read.valueDate).toBe(20240105083000)
      expect(read.comment).toBe('edited')
      expect(valueOf(read)).toBe(5.4)
      expect(read.systemMetaData?.writer).toEqual({ dataOwnerId: a.dataOwnerId, verified: true })
    } finally {
      proxy.reset()
    }
  })
})

// ---------- 3. refetch / RSA amplification ----------

describe('REVIEW 3: junk key entries cannot make a list refetch exchange keys per entity', () => {
  it('30 samples with one junk entry each cost a bounded number of exchange-key fetches and RSA operations', async () => {
    const p = await a.api.patientApi.createOrModifyPatient(
      new Patient({ firstName: 'Perf', lastName: 'Amp' }),
    )
    await a.api.patientApi.giveAccessTo(p, b.dataOwnerId)
    const samples = await a.api.dataSampleApi.createOrModifyDataSamplesFor(
      p.id!,
      Array.from({ length: 30 }, (_, i) => glucose(i)),
    )
    for (const s of samples) await a.api.dataSampleApi.giveAccessTo(s, b.dataOwnerId)
    // The operator puts one junk entry from A in front of each sample's key list for B.
    for (const s of samples) {
      const d = readDoc('data_sample', s.id!)
      const junk = { owner: a.dataOwnerId, delegatedTo: b.dataOwnerId, key: d.systemMetaData.encryptedSelf! }
      d.systemMetaData.encryptionKeys[b.dataOwnerId] = [
        junk,
        ...d.systemMetaData.encryptionKeys[b.dataOwnerId],
      ]
      writeDoc('data_sample', d)
    }

    proxy.reset()
    const reports: IntegrityReport[] = []
    const api = await reopen(b, { via: proxy.url, reports })
    const pat = await api.patientApi.getPatient(p.id!)
    proxy.reset()
    resetRsaOperationCount()
    const listed = await api.dataSampleApi.getDataSamplesForPatient(pat)
    const rsa = rsaOperationCount()
    const fetches = proxy.count('GET', '/exchangekey/')
    // Every sample is accounted for (listed, or left out and reported), at a constant cost: the SDK
    // refetches an owner's exchange keys at most once per EntityCrypto.REFRESH_INTERVAL_MS (1 s), so a
    // list of 30 (well under a second) costs one refetch (one GET, one RSA decryption and verification).
    expect(listed.length + reports.length).toBe(30)
    expect(fetches, `GET /exchangekey calls: ${fetches}`).toBeLessThanOrEqual(3)
    expect(rsa, `RSA operations: ${rsa}`).toBeLessThanOrEqual(4)
  })
})

// ---------- 4. malformed API answers ----------

describe('REVIEW 4: malformed API answers', () => {
  let p: Patient
  let samples: DataSample[]
  /** The sample the entity-level variants break. */
  let bad: string
  beforeAll(async () => {
    p = await a.api.patientApi.createOrModifyPatient(new Patient({ firstName: 'Mal', lastName: 'Answers' }))
    await a.api.patientApi.giveAccessTo(p, b.dataOwnerId)
    samples = await a.api.dataSampleApi.createOrModifyDataSamplesFor(p.id!, [
      glucose(1),
      glucose(2),
      glucose(3),
    ])
    for (const s of samples) await a.api.dataSampleApi.giveAccessTo(s, b.dataOwnerId)
    bad = samples[1].id!
  })

  /** B's app, through the proxy answering with `rewrite`: its list, what it reported, and a get of `id`. */
  async function readThrough(rewrite: (req: Seen, body: unknown) => unknown, id: string) {
    proxy.reset(rewrite)
    try {
      const reports: IntegrityReport[] = []
      const api = await reopen(b, { via: proxy.url, reports })
      const listed = await api.patientApi
        .getPatient(p.id!)
        .then((pat) => api.dataSampleApi.getDataSamplesForPatient(pat))
      // Settled while the proxy still rewrites; the caller awaits it.
      const get = api.dataSampleApi.getDataSample(id)
      await get.catch(() => undefined)
      return { listed, reports, get }
    } finally {
      proxy.reset()
    }
  }

  /** Applies `edit` to the bad sample wherever an answer carries it (a filter page or a get). */
  const onBadSample =
    (edit: (doc: Record<string, unknown> & { systemMetaData: Record<string, unknown> }) => void) =>
    (req: Seen, body: unknown) => {
      if (
        req.path === `${API_PREFIX}/datasample/filter` ||
        req.path.startsWith(`${API_PREFIX}/datasample/filter?`)
      ) {
        for (const row of (body as { rows: Parameters<typeof edit>[0][] }).rows) if (row.id === bad) edit(row)
      } else if (req.method === 'GET' && req.path === `${API_PREFIX}/datasample/${bad}`) {
        edit(body as Parameters<typeof edit>[0])
      }
      return body
    }

  const entityCases: [string, (req: Seen, body: unknown) => unknown, RegExp][] = [
    [
      'a clear field nested 5,000 levels deep',
      (req, body) => {
        const out = onBadSample((d) => {
          d.qualifiedLinks = '@@NEST@@'
        })(req, body)
        return JSON.stringify(out).replace('"@@NEST@@"', '['.repeat(5000) + '1' + ']'.repeat(5000))
      },
      /nested deeper/,
    ],
    [
      'secretForeignKeys: 5',
      onBadSample((d) => {
        d.systemMetaData.secretForeignKeys = 5
      }),
      /malformed document/,
    ],
    [
      'encryptionKeys[self] = [null]',
      onBadSample((d) => {
        d.systemMetaData.encryptionKeys = {
          ...(d.systemMetaData.encryptionKeys as object),
          [b.dataOwnerId]: [null],
        }
      }),
      /key entry for this data owner was changed/,
    ],
    [
      'a seal with seq 1e308',
      onBadSample((d) => {
        d.systemMetaData.seal = { ...(d.systemMetaData.seal as object), seq: 1e308 }
      }),
      /seal/,
    ],
  ]
  for (const [name, rewrite, reason] of entityCases) {
    it(`${name}: the list leaves the sample out and reports it, a get rejects with an IntegrityError`, async () => {
      const { listed, reports, get } = await readThrough(rewrite, bad)
      expect(sortedValues(listed)).toEqual([1, 3])
      expect(reports).toEqual([
        expect.objectContaining({
          kind: 'integrity',
          entityId: bad,
          reason: expect.stringMatching(reason) as unknown,
        }),
      ])
      await expectIntegrityError(get, 'dataSample', bad, reason)
    })
  }

  /** Edits the sharer's (A's) data-owner answer. */
  const onSharer = (edit: (meta: Record<string, unknown>) => void) => (req: Seen, body: unknown) => {
    if (req.method === 'GET' && req.path === `${API_PREFIX}/dataowner/${a.dataOwnerId}`)
      edit((body as { dataOwner: { systemMetaData: Record<string, unknown> } }).dataOwner.systemMetaData)
    return body
  }

  const keyCases: [string, (req: Seen, body: unknown) => unknown][] = [
    [
      'an exchange-key record with encryptedKey: null',
      (req, body) => {
        if (req.method !== 'GET' || !req.path.startsWith(`${API_PREFIX}/exchangekey/`)) return body
        const records = body as Record<string, unknown>[]
        if (records.length === 0) return body
        return [{ ...records[0], id: crypto.randomUUID(), encryptedKey: null }, ...records]
      },
    ],
    [
      'garbage published keys of the sharer next to its genuine key',
      onSharer((m) => {
        const keys = (m.publicKeysForOaepWithSha256 as unknown[] | undefined) ?? []
        m.publicKeysForOaepWithSha256 = [...keys, 'zz', 'deadbeef', 42, null]
      }),
    ],
    [
      'keyStatements: [null] on the sharer',
      onSharer((m) => {
        m.keyStatements = [null]
      }),
    ],
  ]
  for (const [name, rewrite] of keyCases) {
    it(`${name}: ignored, everything the sharer shared stays readable`, async () => {
      const { listed, reports, get } = await readThrough(rewrite, bad)
      expect(reports).toEqual([])
      expect(sortedValues(listed)).toEqual([1, 2, 3])
      const sample = await get
      expect(valueOf(sample)).toBe(2)
      expect(sample.systemMetaData?.writer).toEqual({ dataOwnerId: a.dataOwnerId, verified: true })
    })
  }

  it('only garbage published keys on the sharer: a clear SdkError or withheld content, never a TypeError', async () => {
    proxy.reset(
      onSharer((m) => {
        m.publicKey = 'zz'
        m.publicKeysForOaepWithSha256 = ['zz', 'deadbeef', 42, null]
      }),
    )
    try {
      const api = await reopen(b, { via: proxy.url, reports: [] })
      // No trusted key of A is published: its exchange keys are refused, so nothing it shared opens.
      const e = await rejection(api.patientApi.getPatient(p.id!))
      expect(e.code, e.message).toBe('DECRYPTION')
      expect(e.message).toContain(`Could not decrypt patient ${p.id}`)
      const sample = await api.dataSampleApi.getDataSample(bad)
      expect(sample.systemMetaData?.contentWithheld).toBe(true)
      expect(valueOf(sample)).toBeUndefined()
    } finally {
      proxy.reset()
    }
  })
})

// ---------- 6. malformed stored documents ----------

describe('REVIEW 6: a malformed stored document no longer fails the whole list', () => {
  const cases: [string, (d: EncryptedEntityDto) => EncryptedEntityDto, RegExp][] = [
    [
      'secretForeignKeys is a number',
      (d) => ({ ...d, systemMetaData: { ...d.systemMetaData, secretForeignKeys: 5 as never } }),
      /malformed document/,
    ],
    [
      'encryptionKeys[self] is an object',
      (d) => ({
        ...d,
        systemMetaData: { ...d.systemMetaData, encryptionKeys: { [a.dataOwnerId]: {} as never } },
      }),
      /malformed document: its key entries are not a list/,
    ],
    [
      'encryptionKeys[self] = [null]',
      (d) => ({
        ...d,
        systemMetaData: { ...d.systemMetaData, encryptionKeys: { [a.dataOwnerId]: [null as never] } },
      }),
      /key entry for this data owner was changed/,
    ],
    [
      'no systemMetaData',
      (d) => ({ ...d, systemMetaData: undefined as never }),
      /malformed document: no systemMetaData/,
    ],
  ]
  for (const [name, mutate, reason] of cases) {
    it(`${name}: the others are listed, the bad one is reported, a get rejects with an IntegrityError`, async () => {
      const p = await a.api.patientApi.createOrModifyPatient(
        new Patient({ firstName: 'Mal', lastName: name }),
      )
      const samples = await a.api.dataSampleApi.createOrModifyDataSamplesFor(p.id!, [
        glucose(1),
        glucose(2),
        glucose(3),
      ])
      const id = samples[1].id!
      const doc = readDoc('data_sample', id)
      db.prepare('update data_sample set doc = ? where id = ?').run(JSON.stringify(mutate(doc)), id)
      const reports: IntegrityReport[] = []
      const api = await reopen(a, { reports })
      const listed = await api.dataSampleApi.getDataSamplesForPatient(await api.patientApi.getPatient(p.id!))
      expect(sortedValues(listed)).toEqual([1, 3])
      expect(reports).toEqual([
        expect.objectContaining({
          kind: 'integrity',
          entityType: 'dataSample',
          entityId: id,
          reason: expect.stringMatching(reason) as unknown,
        }),
      ])
      await expectIntegrityError(api.dataSampleApi.getDataSample(id), 'dataSample', id, reason)
    })
  }
})
