// `npm run bench:body`: how much event-loop time one write request costs the server, by body size, to
// size the default body limit and MAX_BATCH_SIZE (docs/limits.md). Runs a server in process (embedded
// SQLite, requests through `inject`, no socket) and, for realistic encrypted-sample batches and for
// single large entities, measures:
//   - parse: secure-json-parse of the body text, as Fastify's JSON parser does;
//   - depth: the checks of every request on the body before parsing: UTF-8, JSON depth and NUL
//     escapes (packages/server/src/http/json-depth.ts);
//   - validate: the batch schema compiled by Ajv with the server's options;
//   - request: the whole POST through Fastify (parse, validate, depth, service, SQLite write,
//     response): its CPU time, and the longest stretch the event loop was blocked meanwhile (what
//     every other client waits at worst).
// Each figure is the median of BENCH_BODY_RUNS runs (default 5). Timings, not assertions: the tests
// never time anything.
import { randomBytes, randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Ajv } from 'ajv'
import sjson from 'secure-json-parse'
import {
  API_PREFIX,
  EncryptedEntityBatchSchema,
  NAMED_SCHEMAS,
  type EncryptedEntityDto,
} from '@cairn/protocol'
import { startInProcessServer } from '../packages/server/src/testing/in-process-server.ts'
import { isUtf8 } from 'node:buffer'
import {
  jsonHasNulEscape,
  jsonNestsDeeperThan,
  MAX_JSON_DEPTH,
} from '../packages/server/src/http/json-depth.ts'

const RUNS = Number(process.env.BENCH_BODY_RUNS ?? 5)

/** Base64 of `n` random bytes: ciphertext-like, incompressible, as the server receives it. */
const b64 = (n: number) => randomBytes(n).toString('base64')

/**
 * A data sample as the SDK sends it: clear codes, labels and dates; 3 data owners in each of the 3
 * delegation maps, each entry a wrapped key (IV ‖ 64 hex chars ‖ tag: 92 bytes, 124 base64 chars);
 * `encryptedSelf` of `selfBytes` (about 450 bytes for a measure and a comment). About 3.3 kB, the
 * size docs/performance.md measured for real encrypted samples.
 */
function sample(me: string, sfk: string, selfBytes: number): EncryptedEntityDto {
  const owners = [me, randomUUID(), randomUUID()]
  const map = () => Object.fromEntries(owners.map((d) => [d, [{ owner: me, delegatedTo: d, key: b64(92) }]]))
  return {
    id: randomUUID(),
    batchId: randomUUID(),
    valueDate: 20240101120000,
    openingDate: 20240101120000,
    labels: [{ type: 'LOINC', code: '8867-4', version: '2.77', id: 'LOINC|8867-4|2.77' }],
    codes: [{ type: 'SNOMED', code: '364075005', version: '2023', id: 'SNOMED|364075005|2023' }],
    systemMetaData: {
      secretForeignKeys: [sfk],
      delegations: map(),
      encryptionKeys: map(),
      cryptedForeignKeys: map(),
      encryptedSelf: b64(selfBytes),
    },
  }
}

/** Median of a list of numbers. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Milliseconds `fn` takes, synchronously. */
function timed(fn: () => void): number {
  const t = performance.now()
  fn()
  return performance.now() - t
}

interface Row {
  case: string
  entities: number
  bytes: number
  parse: number
  depth: number
  validate: number
  requestCpu: number
  longestBlock: number
  /** HTTP status of the POST (400 when the body breaks a schema limit: batch size, field length). */
  status: number
}

async function main(): Promise<void> {
  // A body limit far above the default, so that bodies over the limits reach the parser and the
  // schemas: their cost is what the limits were chosen from. The answer column says what the server
  // does with each body under its real limits (schema: batch size, encryptedSelf length).
  const s = await startInProcessServer({ bodyLimit: 64 * 1024 * 1024 })
  const hcp = await s.createHcp('bench@example.org')
  const ajv = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false })
  for (const schema of NAMED_SCHEMAS) ajv.addSchema(schema)
  // The batch schema without its maxItems, so that larger batches are validated in full too.
  const validate = ajv.compile({ ...EncryptedEntityBatchSchema, maxItems: undefined })
  const sfk = randomUUID()

  const cases: { name: string; count: number; selfBytes: number; filler?: number }[] = [
    ...[1, 50, 100, 200, 300, 500, 1000].map((count) => ({
      name: `batch of ${count}`,
      count,
      selfBytes: 450,
    })),
    ...[256 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024, 6 * 1024 * 1024].map((selfBytes) => ({
      name: `1 entity, ${(selfBytes / 1024).toFixed(0)} KiB of ciphertext`,
      count: 1,
      selfBytes,
    })),
    // The worst a body of a given size can cost: one sample whose free-form clear field (entities
    // accept any clear field) holds as many empty arrays as fit, i.e. the most values per byte.
    ...[512 * 1024, 1024 * 1024, 2 * 1024 * 1024].map((filler) => ({
      name: `1 entity + ${(filler / 1024).toFixed(0)} KiB of \`[],\` (worst case)`,
      count: 1,
      selfBytes: 450,
      filler,
    })),
  ]
  // Warm-up: JIT and prepared statements, on a mid-size batch.
  for (let i = 0; i < 3; i++) await post(Array.from({ length: 200 }, () => sample(hcp.hcpId, sfk, 450)))

  const rows: Row[] = []
  for (const c of cases) {
    const m = { parse: [], depth: [], validate: [], cpu: [], block: [] } as Record<string, number[]>
    let bytes = 0
    let status = 0
    for (let run = 0; run < RUNS; run++) {
      const docs = Array.from({ length: c.count }, () => sample(hcp.hcpId, sfk, c.selfBytes))
      if (c.filler) docs[0].filler = Array.from({ length: Math.floor(c.filler / 3) }, () => [])
      const text = JSON.stringify(docs)
      bytes = Buffer.byteLength(text)
      let parsed: unknown
      m.parse.push(
        timed(() => {
          parsed = sjson.parse(text, undefined, { protoAction: 'error' }) as unknown
        }),
      )
      // Every check the JSON parser makes on the body before parsing it: UTF-8, depth, NUL.
      const raw = Buffer.from(text)
      m.depth.push(
        timed(
          () => void (isUtf8(raw) && !jsonNestsDeeperThan(text, MAX_JSON_DEPTH) && jsonHasNulEscape(text)),
        ),
      )
      m.validate.push(timed(() => void validate(parsed)))
      const { cpu, block, status: answer } = await post(text)
      status = answer
      m.cpu.push(cpu)
      m.block.push(block)
    }
    rows.push({
      case: c.name,
      entities: c.count,
      bytes,
      parse: median(m.parse),
      depth: median(m.depth),
      validate: median(m.validate),
      requestCpu: median(m.cpu),
      longestBlock: median(m.block),
      status,
    })
  }
  await s.close()

  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`
  const ms = (n: number) => n.toFixed(1)
  console.log(
    '| case | body | parse ms | depth ms | validate ms | request CPU ms | longest event-loop block ms | answer |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  )
  for (const r of rows) {
    console.log(
      `| ${r.case} | ${kb(r.bytes)} | ${ms(r.parse)} | ${ms(r.depth)} | ${ms(r.validate)} | ${ms(r.requestCpu)} | ${ms(r.longestBlock)} | ${r.status} |`,
    )
  }

  /**
   * POSTs a batch; returns the CPU time the request took and the longest gap between the ticks of a
   * 1 ms interval meanwhile: the longest stretch the event loop could not serve anyone else. The ticker
   * runs before the request starts and after it ends, so that no stretch escapes it.
   */
  async function post(
    body: string | EncryptedEntityDto[],
  ): Promise<{ cpu: number; block: number; status: number }> {
    const payload = typeof body === 'string' ? body : JSON.stringify(body)
    let last = performance.now()
    let block = 0
    const ticker = setInterval(() => {
      const now = performance.now()
      block = Math.max(block, now - last)
      last = now
    }, 1)
    await sleep(5)
    block = 0
    const cpu0 = process.cpuUsage()
    const res = await s.request({
      method: 'POST',
      url: `${API_PREFIX}/datasample/batch`,
      token: hcp.token,
      headers: { 'content-type': 'application/json' },
      payload,
    })
    const cpu = process.cpuUsage(cpu0)
    await sleep(5)
    clearInterval(ticker)
    // 400: a batch over MAX_BATCH_SIZE; 413: an encryptedSelf over MAX_ENCRYPTED_SELF_LENGTH.
    if (res.status !== 200 && res.status !== 400 && res.status !== 413) {
      throw new Error(`POST failed: ${res.status} ${res.text.slice(0, 300)}`)
    }
    return { cpu: (cpu.user + cpu.system) / 1000, block, status: res.status }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

await main()
