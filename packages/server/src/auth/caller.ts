import type { DataOwnerType } from '@cairn/protocol'

/**
 * Who is calling: the authenticated user, the data owner it acts as, and the request (for write
 * events). Deliberately no secret material: the stored user row (with its password hash) never
 * travels with the request.
 */
export interface Caller {
  readonly userId: string
  /** The data owner the user acts as; undefined for users that are not data owners (e.g. the admin). */
  readonly dataOwnerId?: string
  readonly dataOwnerType?: DataOwnerType
  readonly isAdmin: boolean
  /** The login session of the access token (revoked sessions are refused before a Caller exists). */
  readonly sessionId?: string
  /** When the user last proved a credential (password or long-lived token) in that session, epoch ms. */
  readonly authTime?: number
  /** Until when (epoch ms) that proof counts as recent, for changes of the user's own password or email. */
  readonly recentAuthUntil?: number
  /**
   * For a session opened with a long-lived token: when that token expires. Tokens minted in such a
   * session expire no later (a one-day token cannot turn itself into a twenty-year one).
   */
  readonly credentialNotAfter?: number
  /** Id of the request being served (its x-request-id). */
  readonly requestId: string
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller
  }
}
