import { Type, type Static } from '@sinclair/typebox'
import type { UserFilterDto } from './dto.ts'
import type { FilterDto } from './filters.ts'

/**
 * Wire protocol of realtime subscriptions (docs/realtime.md): one WebSocket per subscription at
 * {@link REALTIME_PATH}, JSON text messages in both directions. The client authenticates the upgrade
 * with `Authorization: Bearer <access token>` (Node) or a one-time `?ticket=` from
 * `POST /rest/v1/realtime/ticket` (browsers cannot set headers on a WebSocket), then sends one
 * `subscribe` message; the server answers `subscribed` and then streams `event` messages.
 */

/** Path of the subscription socket, at the server root (like the message gateway). */
export const REALTIME_PATH = '/ws/v1/subscribe'

/** Entity types one can subscribe to (MedTech: Patient, DataSample, HealthcareElement, Notification, User). */
export const REALTIME_ENTITY_TYPES = [
  'patient',
  'dataSample',
  'healthcareElement',
  'notification',
  'user',
] as const
export type RealtimeEntityType = (typeof REALTIME_ENTITY_TYPES)[number]

/** MedTech's event types: a create, a modification (or share), a deletion. */
export const REALTIME_EVENT_TYPES = ['CREATE', 'UPDATE', 'DELETE'] as const
export type RealtimeEventType = (typeof REALTIME_EVENT_TYPES)[number]

/**
 * Opaque position in the event stream (decimal digits of the event's sequence number). A client keeps
 * the cursor of the last event it handled and sends it as `since` when it reconnects.
 */
export const CursorSchema = Type.String({ pattern: '^[0-9]{1,19}$', description: 'opaque event cursor' })

/** First (and only) message of the client: what it wants to receive. */
export const SubscribeMessageSchema = Type.Object(
  {
    type: Type.Literal('subscribe'),
    entityType: Type.Union(REALTIME_ENTITY_TYPES.map((t) => Type.Literal(t))),
    eventTypes: Type.Array(Type.Union(REALTIME_EVENT_TYPES.map((t) => Type.Literal(t))), {
      minItems: 1,
      maxItems: 3,
      uniqueItems: true,
    }),
    /**
     * The same filter objects as the search routes of the entity type (validated by that type's
     * schema); absent: every event of the type the caller may read.
     */
    filter: Type.Optional(Type.Unknown()),
    /** Replay what happened after this cursor before the live stream (reconnection). */
    since: Type.Optional(CursorSchema),
  },
  { additionalProperties: false },
)
/** The subscribe message, with its filter typed. */
export type SubscribeMessage = Omit<Static<typeof SubscribeMessageSchema>, 'filter'> & {
  filter?: FilterDto | UserFilterDto
}

/** Client keep-alive answer to the server's `ping`. */
export interface PongMessage {
  readonly type: 'pong'
}

/** Every message a client may send. */
export type ClientMessage = SubscribeMessage | PongMessage

/** Answer to `subscribe`: live from `cursor` on (after any replay, which comes before this message). */
export interface SubscribedMessage {
  readonly type: 'subscribed'
  /** Cursor of the newest event the server knew when the subscription went live. */
  readonly cursor: string
}

/** One event: the record as stored (ciphertext for encrypted entities; a user without secrets). */
export interface EventMessage {
  readonly type: 'event'
  readonly cursor: string
  readonly eventType: RealtimeEventType
  readonly entityType: RealtimeEntityType
  readonly id: string
  /** Rev of the record written by the event. */
  readonly rev?: string
  /**
   * The record as it is when the event is sent (for a replayed event it may be newer than `rev`);
   * for a deletion, its tombstone (id, rev, deletionDate) or its last readable state.
   */
  readonly entity: Record<string, unknown>
  /** True for events sent from the replay of a reconnection rather than live. */
  readonly replayed?: boolean
}

/**
 * The events after `since` are no longer kept (older than the replay window) or `since` is unknown:
 * the client must reload what it shows through a search; the stream goes on live from `cursor`.
 */
export interface ResyncMessage {
  readonly type: 'resync'
  readonly cursor: string
  readonly reason: string
}

/** Keep-alive: the client answers `pong`; a client that hears no ping for a while reconnects. */
export interface PingMessage {
  readonly type: 'ping'
  /**
   * Once `subscribed` was sent: the subscription's cursor, the position of the last event it handled
   * (sent, or skipped because the subscriber may not see it or its filter left it out). Every event up
   * to it was sent before this ping, so a client may adopt it as its cursor: the cursor of a quiet or
   * filtered subscriber advances with the log, and its reconnection replays little instead of
   * resyncing. Decimal digits, as every cursor.
   */
  readonly cursor?: string
}

/** A refusal or failure, sent just before the server closes the socket with the matching close code. */
export interface ErrorMessage {
  readonly type: 'error'
  readonly error: { readonly code: string; readonly message: string }
}

/** Every message the server sends. */
export type ServerMessage = SubscribedMessage | EventMessage | ResyncMessage | PingMessage | ErrorMessage

/**
 * WebSocket close codes of the server (4000-4999 is the range applications may use). The client does
 * not reconnect after `badRequest` and `forbidden` (it would be refused again); it reconnects after
 * the others, with a fresh token after `unauthorized`.
 */
export const REALTIME_CLOSE_CODES = {
  /** Normal close by the client or the server (RFC 6455). */
  normal: 1000,
  /** Server shutting down or client going away (RFC 6455). */
  goingAway: 1001,
  /** The subscribe message is malformed, names an unknown type, or its filter does not validate. */
  badRequest: 4400,
  /** No valid token or ticket, or the session ended (expired, logged out, revoked). */
  unauthorized: 4401,
  /** The filter names another data owner, or the caller may not subscribe to this type. */
  forbidden: 4403,
  /** No pong within the keep-alive timeout. */
  timeout: 4408,
  /** The client did not read fast enough: its queue went over the limit. */
  slowConsumer: 4409,
  /** Too many subscriptions for this user on this instance. */
  tooMany: 4429,
} as const

/** Answer of `POST /rest/v1/realtime/ticket`: a single-use ticket for one WebSocket upgrade. */
export const RealtimeTicketSchema = Type.Object({
  ticket: Type.String(),
  /** Epoch ms after which the ticket is refused (it is short-lived: seconds). */
  expiresAt: Type.Integer(),
})
export type RealtimeTicketDto = Static<typeof RealtimeTicketSchema>
