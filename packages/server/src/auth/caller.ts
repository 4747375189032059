import type { DataOwnerType } from '@cairn/protocol'
import type { UserRow } from '../storage/storage.ts'

/** Who is calling: the authenticated user and the data owner it acts as. */
export interface Caller {
  userId: string
  user: UserRow
  /** The data owner the user acts as; undefined for users that are not data owners (e.g. the admin). */
  dataOwnerId?: string
  dataOwnerType?: DataOwnerType
  isAdmin: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller
  }
}
