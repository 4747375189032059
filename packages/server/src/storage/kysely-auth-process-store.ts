import { sql, type Kysely, type Selectable } from 'kysely'
import type { AuthChannel, AuthProcessKind, CaptchaType } from '@cairn/protocol'
import type { AuthApplicationRow, AuthProcessRow, AuthRequestRow, Database } from './database-schema.ts'
import type { StorageBackend } from './storage-backend.ts'
import type {
  AttemptCondition,
  AuthProcessStore,
  StoredAuthApplication,
  StoredAuthProcess,
  StoredAuthRequest,
} from './auth-process-store.ts'
import { StorageConflict } from './storage.ts'
import { isUniqueViolation } from './unique-violation.ts'

/** Epoch ms columns read as numbers whatever the driver gives. */
const num = (v: unknown): number => Number(v)
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

function toApplication(row: Selectable<AuthApplicationRow>): StoredAuthApplication {
  return {
    specId: row.spec_id,
    name: row.name,
    emailFrom: row.email_from,
    captcha: row.captcha as CaptchaType,
    captchaSecret: row.captcha_secret,
    captchaSiteKey: row.captcha_site_key,
    created: num(row.created),
    modified: num(row.modified),
  }
}

function toProcess(row: Selectable<AuthProcessRow>): StoredAuthProcess {
  return {
    id: row.id,
    specId: row.spec_id,
    channel: row.channel as AuthChannel,
    kind: row.kind as AuthProcessKind,
    responsibleHcpId: row.responsible_hcp_id,
    allowRegistration: num(row.allow_registration) === 1,
    subject: row.subject,
    template: row.template,
    codeLength: num(row.code_length),
    codeLifetimeSeconds: num(row.code_lifetime),
    maxAttempts: num(row.max_attempts),
    created: num(row.created),
  }
}

function toRequest(row: Selectable<AuthRequestRow>): StoredAuthRequest {
  return {
    requestId: row.request_id,
    specId: row.spec_id,
    processId: row.process_id,
    recipient: row.recipient,
    codeHash: row.code_hash,
    expires: num(row.expires),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    validated: numOrNull(row.validated),
    consumed: numOrNull(row.consumed),
    firstName: row.first_name,
    lastName: row.last_name,
    created: num(row.created),
    clientAddress: row.client_address,
  }
}

/**
 * AuthProcessStore over Kysely, the same SQL on SQLite and PostgreSQL. Every change of a request's
 * state is one conditional UPDATE (`... WHERE <live> RETURNING`), atomic on its own on both dialects:
 * PostgreSQL re-checks the condition on the newest version of a row another transaction changed, and
 * SQLite runs the statement alone under its write lock.
 */
export class KyselyAuthProcessStore implements AuthProcessStore {
  constructor(
    private readonly backend: StorageBackend,
    /** The connection, refusing use after the storage was closed. */
    private readonly db: () => Kysely<Database>,
  ) {}

  /** See AuthProcessStore.putApplication: one upsert that keeps `created`. */
  async putApplication(app: StoredAuthApplication): Promise<StoredAuthApplication> {
    const values = {
      name: app.name,
      email_from: app.emailFrom,
      captcha: app.captcha,
      captcha_secret: app.captchaSecret,
      captcha_site_key: app.captchaSiteKey,
      modified: app.modified,
    }
    const row = await this.db()
      .insertInto('auth_application')
      .values({ spec_id: app.specId, created: app.created, ...values })
      .onConflict((oc) => oc.column('spec_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow()
    return toApplication(row)
  }

  /** See AuthProcessStore.getApplication. */
  async getApplication(specId: string): Promise<StoredAuthApplication | undefined> {
    const row = await this.db()
      .selectFrom('auth_application')
      .selectAll()
      .where('spec_id', '=', specId)
      .executeTakeFirst()
    return row && toApplication(row)
  }

  /** See AuthProcessStore.listApplications. */
  async listApplications(): Promise<StoredAuthApplication[]> {
    const rows = await this.db().selectFrom('auth_application').selectAll().orderBy('spec_id').execute()
    return rows.map(toApplication)
  }

  /** See AuthProcessStore.insertProcess. */
  async insertProcess(p: StoredAuthProcess): Promise<void> {
    try {
      await this.db()
        .insertInto('auth_process')
        .values({
          id: p.id,
          spec_id: p.specId,
          channel: p.channel,
          kind: p.kind,
          responsible_hcp_id: p.responsibleHcpId,
          allow_registration: p.allowRegistration ? 1 : 0,
          subject: p.subject,
          template: p.template,
          code_length: p.codeLength,
          code_lifetime: p.codeLifetimeSeconds,
          max_attempts: p.maxAttempts,
          created: p.created,
        })
        .execute()
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageConflict([p.id], 'exists')
      throw error
    }
  }

  /** See AuthProcessStore.getProcess. */
  async getProcess(id: string): Promise<StoredAuthProcess | undefined> {
    const row = await this.db().selectFrom('auth_process').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toProcess(row)
  }

  /** See AuthProcessStore.listProcesses. */
  async listProcesses(specId?: string): Promise<StoredAuthProcess[]> {
    let query = this.db().selectFrom('auth_process').selectAll()
    if (specId !== undefined) query = query.where('spec_id', '=', specId)
    const rows = await query.orderBy('created').orderBy('id').execute()
    return rows.map(toProcess)
  }

  /** See AuthProcessStore.deleteProcess. */
  async deleteProcess(id: string): Promise<StoredAuthProcess | undefined> {
    return this.backend.writeTransaction(async (trx) => {
      const row = await trx.deleteFrom('auth_process').where('id', '=', id).returningAll().executeTakeFirst()
      if (!row) return undefined
      await trx.deleteFrom('auth_request').where('process_id', '=', id).execute()
      return toProcess(row)
    })
  }

  /** See AuthProcessStore.insertRequest. */
  async insertRequest(r: StoredAuthRequest): Promise<void> {
    try {
      await this.db()
        .insertInto('auth_request')
        .values({
          request_id: r.requestId,
          spec_id: r.specId,
          process_id: r.processId,
          recipient: r.recipient,
          code_hash: r.codeHash,
          expires: r.expires,
          attempts: r.attempts,
          max_attempts: r.maxAttempts,
          validated: r.validated,
          consumed: r.consumed,
          first_name: r.firstName,
          last_name: r.lastName,
          created: r.created,
          client_address: r.clientAddress,
        })
        .execute()
    } catch (error) {
      if (isUniqueViolation(error)) throw new StorageConflict([r.requestId], 'exists')
      throw error
    }
  }

  /** See AuthProcessStore.getRequest. */
  async getRequest(requestId: string): Promise<StoredAuthRequest | undefined> {
    const row = await this.db()
      .selectFrom('auth_request')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirst()
    return row && toRequest(row)
  }

  /** See AuthProcessStore.takeAttempt: one conditional UPDATE ... RETURNING. */
  async takeAttempt(
    requestId: string,
    now: number,
    condition: AttemptCondition = {},
  ): Promise<StoredAuthRequest | undefined> {
    let query = this.db()
      .updateTable('auth_request')
      .set({ attempts: sql<number>`attempts + 1` })
      .where('request_id', '=', requestId)
      .where('consumed', 'is', null)
      .where('expires', '>', now)
      .where(sql<boolean>`attempts < max_attempts`)
    if (condition.validated) query = query.where('validated', 'is not', null)
    const row = await query.returningAll().executeTakeFirst()
    return row && toRequest(row)
  }

  /** See AuthProcessStore.markValidated. */
  async markValidated(requestId: string, now: number): Promise<boolean> {
    const result = await this.db()
      .updateTable('auth_request')
      .set({
        validated: sql<number>`coalesce(validated, ${now})`,
        attempts: sql<number>`case when attempts > 0 then attempts - 1 else 0 end`,
      })
      .where('request_id', '=', requestId)
      .where('consumed', 'is', null)
      .where('expires', '>', now)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** See AuthProcessStore.consume. */
  async consume(requestId: string, now: number): Promise<boolean> {
    const result = await this.db()
      .updateTable('auth_request')
      .set({
        consumed: now,
        attempts: sql<number>`case when attempts > 0 then attempts - 1 else 0 end`,
      })
      .where('request_id', '=', requestId)
      .where('consumed', 'is', null)
      .where('validated', 'is not', null)
      .where('expires', '>', now)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** See AuthProcessStore.findLoginRequests (the (recipient, created) index). */
  async findLoginRequests(
    recipients: readonly string[],
    now: number,
    limit: number,
  ): Promise<StoredAuthRequest[]> {
    if (recipients.length === 0 || limit <= 0) return []
    const rows = await this.db()
      .selectFrom('auth_request')
      .selectAll()
      .where('recipient', 'in', [...new Set(recipients)])
      .where('consumed', 'is', null)
      .where('validated', 'is not', null)
      .where('expires', '>', now)
      .where(sql<boolean>`attempts < max_attempts`)
      .orderBy('created', 'desc')
      .orderBy('request_id')
      .limit(limit)
      .execute()
    return rows.map(toRequest)
  }

  /** See AuthProcessStore.pruneRequests. */
  async pruneRequests(before: number): Promise<number> {
    const result = await this.db().deleteFrom('auth_request').where('expires', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
