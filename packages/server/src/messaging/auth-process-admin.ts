import { randomUUID } from 'node:crypto'
import type {
  AuthApplicationDto,
  AuthApplicationWriteDto,
  AuthProcessDto,
  AuthProcessWriteDto,
} from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import { badRequest, conflict, forbidden, notFound } from '../http/app-error.ts'
import { assertResponsibleExists } from '../entities/shared/data-owner-doc-write.ts'
import { StorageConflict, type Storage } from '../storage/storage.ts'
import type { StoredAuthApplication, StoredAuthProcess } from '../storage/auth-process-store.ts'
import { DEFAULT_SUBJECT, DEFAULT_TEMPLATE, hasCodePlaceholder } from './message-template.ts'
import { normaliseEmail } from './recipient.ts'

/** Defaults of a process (docs/messaging.md). */
export const DEFAULT_CODE_LENGTH = 6
export const DEFAULT_CODE_LIFETIME_SECONDS = 600
export const DEFAULT_MAX_ATTEMPTS = 5

/** The 404 of an application or process the gateway does not know. */
export const unknownApplication = (specId: string) => notFound(`Unknown application ${specId}`)

/** An application as the API returns it: the captcha secret is never part of it. */
export function applicationView(app: StoredAuthApplication): AuthApplicationDto {
  return {
    specId: app.specId,
    name: app.name,
    ...(app.emailFrom !== null ? { emailFrom: app.emailFrom } : {}),
    captcha: app.captcha,
    hasCaptchaSecret: app.captchaSecret !== null,
    ...(app.captchaSiteKey !== null ? { captchaSiteKey: app.captchaSiteKey } : {}),
    created: app.created,
    modified: app.modified,
  }
}

/** A process as the API returns it. */
export function processView(p: StoredAuthProcess): AuthProcessDto {
  return {
    id: p.id,
    specId: p.specId,
    channel: p.channel,
    kind: p.kind,
    ...(p.responsibleHcpId !== null ? { responsibleHcpId: p.responsibleHcpId } : {}),
    allowRegistration: p.allowRegistration,
    subject: p.subject,
    template: p.template,
    codeLength: p.codeLength,
    codeLifetimeSeconds: p.codeLifetimeSeconds,
    maxAttempts: p.maxAttempts,
    created: p.created,
  }
}

/**
 * Configuration of the message gateway (docs/messaging.md): applications (`specId`: name, sender,
 * captcha) and their authentication processes. Admins only: a process decides who may register and
 * which professional becomes the manager of the users it creates.
 */
export class AuthProcessAdmin {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates or replaces an application. A captcha other than `none` needs its secret; a replacement
   * that keeps the captcha type may leave the secret out to keep the stored one.
   */
  async putApplication(
    caller: Caller,
    specId: string,
    dto: AuthApplicationWriteDto,
  ): Promise<AuthApplicationDto> {
    assertAdmin(caller)
    const existing = await this.storage.authProcesses.getApplication(specId)
    const kept = existing?.captcha === dto.captcha ? existing.captchaSecret : null
    const captchaSecret = dto.captcha === 'none' ? null : (dto.captchaSecret ?? kept)
    if (dto.captcha !== 'none' && !captchaSecret)
      throw badRequest(`captchaSecret is required with captcha '${dto.captcha}' (or choose captcha 'none')`)
    const now = this.now()
    const stored = await this.storage.authProcesses.putApplication({
      specId,
      name: dto.name,
      emailFrom: dto.emailFrom !== undefined ? normaliseEmail(dto.emailFrom) : null,
      captcha: dto.captcha,
      captchaSecret,
      captchaSiteKey: dto.captcha === 'friendly-captcha' ? (dto.captchaSiteKey ?? null) : null,
      created: existing?.created ?? now,
      modified: now,
    })
    return applicationView(stored)
  }

  /** Every application. */
  async listApplications(caller: Caller): Promise<AuthApplicationDto[]> {
    assertAdmin(caller)
    return (await this.storage.authProcesses.listApplications()).map(applicationView)
  }

  /**
   * Creates a process of an existing application, defaults filled in. Its responsible professional must
   * exist; its template must contain `{{code}}`; an id that is taken is a 409.
   */
  async createProcess(caller: Caller, dto: AuthProcessWriteDto): Promise<AuthProcessDto> {
    assertAdmin(caller)
    if (!(await this.storage.authProcesses.getApplication(dto.specId))) throw unknownApplication(dto.specId)
    await assertResponsibleExists(this.storage, dto.responsibleHcpId)
    const template = dto.template ?? DEFAULT_TEMPLATE
    if (!hasCodePlaceholder(template)) throw badRequest('The template must contain {{code}}')
    const process: StoredAuthProcess = {
      id: dto.id ?? randomUUID(),
      specId: dto.specId,
      channel: dto.channel,
      kind: dto.kind,
      responsibleHcpId: dto.responsibleHcpId ?? null,
      // Open sign-up is the default for patients only: a professional process registers nobody unless
      // the admin says so, since anyone who receives a code would become an active professional.
      allowRegistration: dto.allowRegistration ?? dto.kind === 'patient',
      subject: dto.subject ?? DEFAULT_SUBJECT,
      template,
      codeLength: dto.codeLength ?? DEFAULT_CODE_LENGTH,
      codeLifetimeSeconds: dto.codeLifetimeSeconds ?? DEFAULT_CODE_LIFETIME_SECONDS,
      maxAttempts: dto.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      created: this.now(),
    }
    try {
      await this.storage.authProcesses.insertProcess(process)
    } catch (e) {
      if (e instanceof StorageConflict) throw conflict(`Authentication process ${process.id} already exists`)
      throw e
    }
    return processView(process)
  }

  /** The processes, of one application when `specId` is given. */
  async listProcesses(caller: Caller, specId?: string): Promise<AuthProcessDto[]> {
    assertAdmin(caller)
    return (await this.storage.authProcesses.listProcesses(specId)).map(processView)
  }

  /** Deletes a process; the codes it sent stop working. */
  async deleteProcess(caller: Caller, id: string): Promise<AuthProcessDto> {
    assertAdmin(caller)
    const deleted = await this.storage.authProcesses.deleteProcess(id)
    if (!deleted) throw notFound(`Unknown authentication process ${id}`)
    return processView(deleted)
  }
}

/** The 403 of the gateway's admin routes. */
export function assertAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw forbidden('Only admins configure the message gateway')
}
