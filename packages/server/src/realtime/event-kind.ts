import type { RealtimeEntityType, RealtimeEventType } from '@cairn/protocol'
import { REALTIME_ENTITY_TYPES } from '@cairn/protocol'
import type { WriteEvent } from '../events/write-event.ts'
import type { EventLogKind, NewEventLogRow } from '../storage/event-log-store.ts'

/** Whether a write event's subject is a type one can subscribe to. */
export function isRealtimeEntityType(type: string): type is RealtimeEntityType {
  return (REALTIME_ENTITY_TYPES as readonly string[]).includes(type)
}

/**
 * What the event log records of a write event, or undefined when subscribers never see it: creates,
 * modifications (shares are modifications: MedTech sends UPDATE) and deletions of the subscribable
 * encrypted entities, and creations, changes and deletions of users (their `user-change` events,
 * whose `change` says which; a change without it is a modification). Logins and the writes of other
 * types are not recorded.
 */
export function eventLogRowOf(event: WriteEvent): NewEventLogRow | undefined {
  if (!isRealtimeEntityType(event.entityType)) return undefined
  let kind: EventLogKind
  if (event.entityType === 'user') {
    if (event.kind !== 'user-change') return undefined
    kind = event.change ?? 'modify'
  } else if (event.kind === 'create' || event.kind === 'delete') {
    kind = event.kind
  } else if (event.kind === 'modify' || event.kind === 'share') {
    kind = 'modify'
  } else {
    return undefined
  }
  return {
    at: event.at,
    kind,
    entityType: event.entityType,
    entityId: event.id,
    ...(event.rev !== undefined ? { rev: event.rev } : {}),
    // Users have no delegates: their events go to the user itself and to admins (realtime-hub.ts).
    delegates: event.entityType === 'user' ? [] : [...event.delegates],
    actorUserId: event.actor.userId,
  }
}

/** MedTech's event type of a recorded kind. */
export function eventTypeOf(kind: EventLogKind): RealtimeEventType {
  return kind === 'create' ? 'CREATE' : kind === 'delete' ? 'DELETE' : 'UPDATE'
}
