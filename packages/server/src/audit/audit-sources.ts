import type { AuditAction } from '@cairn/protocol'
import type { Caller } from '../auth/caller.ts'
import type { EventBus } from '../events/event-bus.ts'
import type { WriteEvent } from '../events/write-event.ts'
import type { AuditRecord } from '../storage/audit-store.ts'
import type { AuditSink } from './audit-log.ts'

/**
 * The access-log entry of a committed write: create, modify, share and delete of any record, a login,
 * and a change of a user (its `change`, `modify` when the event does not say). Ids only: the event
 * carries no content, and nothing of it but ids and the action is kept.
 */
export function entryOfWriteEvent(event: WriteEvent): AuditRecord {
  const actor = {
    actorUserId: event.actor.userId,
    ...(event.actor.dataOwnerId !== undefined ? { actorDataOwnerId: event.actor.dataOwnerId } : {}),
    requestId: event.requestId,
  }
  if (event.kind === 'login') return { at: event.at, action: 'login', ...actor }
  const action = event.kind === 'user-change' ? (event.change ?? 'modify') : event.kind
  return { at: event.at, action, ...actor, entityType: event.entityType, entityId: event.id }
}

/** Records every committed write the bus carries; returns the function that stops it. */
export function recordWriteEvents(events: EventBus, sink: AuditSink): () => void {
  return events.subscribe((event) => sink.record([entryOfWriteEvent(event)]))
}

/**
 * Records that `caller` read records of `entityType`: one entry per record (a get, each record of a
 * search page, an attachment download). Nothing when the log is off (`sink` undefined).
 */
export function recordReads(
  sink: AuditSink | undefined,
  caller: Caller,
  entityType: string,
  ids: readonly string[],
): void {
  recordAccess(sink, caller, 'read', entityType, ids)
}

/**
 * Records that `caller` did `action` on the records `ids` of `entityType` (reads where they happen,
 * and writes that emit no write event, such as attachment uploads), in the request being served.
 */
export function recordAccess(
  sink: AuditSink | undefined,
  caller: Caller,
  action: AuditAction,
  entityType: string,
  ids: readonly string[],
): void {
  if (!sink || ids.length === 0) return
  const at = Date.now()
  sink.record(
    ids.map((entityId) => ({
      at,
      action,
      actorUserId: caller.userId,
      ...(caller.dataOwnerId !== undefined ? { actorDataOwnerId: caller.dataOwnerId } : {}),
      entityType,
      entityId,
      requestId: caller.requestId,
    })),
  )
}
