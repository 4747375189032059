import type { Caller } from '../auth/caller.ts'
import { forbidden, notFound, type AppError } from '../http/app-error.ts'

/**
 * Who may read the access log (docs/audit.md). The whole log, with the actors' addresses, is for
 * admins; the entries about the records a data owner holds are for that data owner itself, never
 * anyone else, admins included (it is the data owner's own view, and admins have the whole log).
 */

/** The admins' listing of the whole log: admins only (403 otherwise). */
export function assertCanListAuditLog(caller: Caller): void {
  if (!caller.isAdmin) throw forbidden('Only admins may list the access log')
}

/** A data owner's access log: only a user acting as that data owner (403 otherwise, admins included). */
export function assertCanReadAccessLogOf(caller: Caller, dataOwnerId: string): void {
  if (caller.dataOwnerId === undefined || caller.dataOwnerId !== dataOwnerId)
    throw forbidden(`Only data owner ${dataOwnerId} itself may list who accessed its records`)
}

/**
 * The answer for a record the caller asked the access log of but may not read, or that does not
 * exist: the same 404 either way, so that the access log tells nobody which ids exist.
 */
export function accessLogRecordNotFound(entityId: string): AppError {
  return notFound(`Record ${entityId} not found`)
}

/** 404 (accessLogRecordNotFound) unless the caller may read record `entityId` (`readable`). */
export function assertCanReadAccessLogOfRecord(entityId: string, readable: boolean): void {
  if (!readable) throw accessLogRecordNotFound(entityId)
}
