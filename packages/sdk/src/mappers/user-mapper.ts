import type { UserViewDto } from '@cairn/protocol'
import { User } from '../models/index.ts'

/**
 * A user as the server sends it -> the MedTech model (tokens keep only their metadata). A directory
 * view (another professional's user) lacks roles, properties, sharing and tokens: the model's
 * defaults (empty) fill them.
 */
export function userFromDto(dto: UserViewDto): User {
  return new User({ ...dto } as unknown as ConstructorParameters<typeof User>[0])
}

/** Model fields that are not sent in the body of `POST/PUT /user`. */
const NOT_SENT: ReadonlySet<string> = new Set(['authenticationTokens', 'secret', 'use2fa', 'deletionDate'])

/**
 * The MedTech model -> the body of `POST/PUT /user`. `passwordHash` carries a clear password that
 * the server hashes (as the original API did); the server never returns it.
 */
export function userToDto(user: User): Record<string, unknown> {
  const m = user.marshal() as Record<string, unknown>
  return Object.fromEntries(Object.entries(m).filter(([key]) => !NOT_SENT.has(key)))
}
