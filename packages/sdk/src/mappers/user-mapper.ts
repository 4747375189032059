import type { UserDto } from '@cairn/protocol'
import { User } from '../models/index.ts'

/** A user as the server sends it -> the MedTech model (tokens keep only their metadata). */
export function userFromDto(dto: UserDto): User {
  return new User({ ...dto } as unknown as ConstructorParameters<typeof User>[0])
}

/**
 * The MedTech model -> the body of `POST/PUT /user`. `passwordHash` carries a clear password that
 * the server hashes (as the original API did); the server never returns it.
 */
export function userToDto(user: User): Record<string, unknown> {
  const m = user.marshal() as Record<string, unknown>
  const { authenticationTokens: _tokens, secret: _secret, use2fa: _use2fa, deletionDate: _d, ...rest } = m
  return rest
}
