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
  /** Id of the request being served (its x-request-id). */
  readonly requestId: string
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller
  }
}
