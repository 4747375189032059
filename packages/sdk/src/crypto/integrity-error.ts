import { SdkError } from '../http/sdk-error.ts'

/**
 * An entity that the current data owner holds a key for but that does not verify (protocol v2): it
 * was changed by someone without the entity key (the server operator, a database thief), its key was
 * substituted, or an older revision was served. Never returned as data; `getX` rejects with it and lists
 * report it to the builder's integrity handler.
 */
export class IntegrityError extends SdkError {
  constructor(
    readonly entityType: string,
    readonly entityId: string,
    readonly reason: string,
    cause?: unknown,
  ) {
    super('INTEGRITY', `Integrity check failed for ${entityType} ${entityId}: ${reason}`, { cause })
    this.name = 'IntegrityError'
  }
}
