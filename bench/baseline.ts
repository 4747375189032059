import type { EncryptedEntityDto } from '@cairn/protocol'
import type { Fixture } from './fixture.ts'
import { pool } from './phases.ts'

/**
 * The baseline: the same HTTP requests as the E2EE phases (same endpoints, batch and page sizes,
 * document sizes and concurrency, through the same `fetch`), but with ciphertext computed once and
 * reused, so the client does no cryptography per entity. Documents are clones of a real encrypted
 * sample with new ids and their own secret foreign key, so that they never show up in the E2EE read.
 */
export class Baseline {
  /** Secret foreign key of every baseline clone (a UUID, like a real patient secret id). */
  readonly sfk = globalThis.crypto.randomUUID()

  constructor(
    private readonly fx: Fixture,
    private readonly tokens: { hcp1: string; p: string },
  ) {}

  /** Phase (a) baseline: POST clones in batches of `batch`, `inFlight` at a time; returns the stored docs. */
  async create(total: number, batch: number, inFlight: number): Promise<EncryptedEntityDto[]> {
    const starts = Array.from({ length: Math.ceil(total / batch) }, (_, k) => k * batch)
    const out: EncryptedEntityDto[][] = []
    await pool(starts, inFlight, async (start, k) => {
      const batchId = globalThis.crypto.randomUUID()
      const docs = Array.from({ length: Math.min(batch, total - start) }, (_, index) =>
        this.clone(batchId, index),
      )
      out[k] = await this.call<EncryptedEntityDto[]>('POST', '/datasample/batch', this.tokens.hcp1, docs)
    })
    return out.flat()
  }

  /** Phase (b) baseline: p reads every clone through filter pages of `pageSize`, parsed but not decrypted. */
  async read(pageSize: number): Promise<number> {
    const filter = {
      $type: 'DataSampleByHealthcarePartyPatientFilter',
      healthcarePartyId: this.fx.p.dataOwnerId,
      // p holds two secret ids of its record (its own and hcp1's): the E2EE filter sends two as well.
      patientSecretForeignKeys: [this.sfk, globalThis.crypto.randomUUID()],
    }
    let rows = 0
    let start: string | undefined
    do {
      const query = `?limit=${pageSize}${start ? `&startDocumentId=${encodeURIComponent(start)}` : ''}`
      const page = await this.call<{ rows: unknown[]; nextKeyPair: { startKeyDocId?: string } }>(
        'POST',
        `/datasample/filter${query}`,
        this.tokens.p,
        { filter },
      )
      rows += page.rows.length
      start = page.nextKeyPair.startKeyDocId
    } while (start)
    return rows
  }

  /**
   * Phase (c) baseline: hcp1 PUTs each stored doc with the delegation entries of a real share to hcp3
   * added (computed once, owned by hcp1: the server accepts them), `concurrency` PUTs in flight.
   */
  async share(docs: readonly EncryptedEntityDto[], concurrency: number): Promise<void> {
    const to = this.fx.hcp3.dataOwnerId
    const add = this.fx.shareEntries
    await pool(docs, concurrency, async (doc) => {
      const m = doc.systemMetaData
      const shared = {
        ...doc,
        systemMetaData: {
          ...m,
          delegations: { ...m.delegations, [to]: add.delegations },
          encryptionKeys: { ...m.encryptionKeys, [to]: add.encryptionKeys },
          cryptedForeignKeys: { ...m.cryptedForeignKeys, [to]: add.cryptedForeignKeys },
        },
      }
      await this.call('PUT', '/datasample', this.tokens.hcp1, shared)
    })
  }

  /** A clone of the template sample: new id, this baseline's secret foreign key, same ciphertext. */
  private clone(batchId: string, index: number): EncryptedEntityDto {
    const t = this.fx.template
    return {
      ...t,
      id: globalThis.crypto.randomUUID(),
      batchId,
      index,
      systemMetaData: { ...t.systemMetaData, secretForeignKeys: [this.sfk] },
    }
  }

  /** One JSON request with a bearer token; the response is parsed, as the SDK does. */
  private async call<T>(method: 'POST' | 'PUT', path: string, token: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.fx.server.url}/rest/v1${path}`, {
      method,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
    return JSON.parse(text) as T
  }
}
