import {
  REALTIME_EVENT_TYPES,
  type EventMessage,
  type FilterDto,
  type RealtimeEntityType,
  type RealtimeEventType,
  type UserFilterDto,
} from '@cairn/protocol'
import type { HttpClient } from '../http/http-client.ts'
import { SdkError } from '../http/sdk-error.ts'
import type { Connection } from '../models/connection.ts'
import { RealtimeConnection } from './realtime-connection.ts'
import { resolveSubscriptionOptions, type SubscriptionOptions } from './subscription-options.ts'

/** What an API's `subscribeTo...Events` passes on, its filter already mapped to the wire. */
export interface SubscribeRequest<M> {
  readonly entityType: RealtimeEntityType
  readonly eventTypes: unknown
  readonly filter: FilterDto | UserFilterDto | undefined
  readonly decode: (event: EventMessage) => Promise<M>
  readonly eventFired: unknown
  readonly options: SubscriptionOptions | undefined
}

/**
 * The body of every `subscribeTo...Events` method (MedTech §2.11): checks the arguments (an empty or
 * unknown event type, a callback that is not a function, bad options: BAD_REQUEST before anything is
 * sent), then connects; resolves with the Connection once the subscription is live, rejects with the
 * server's refusal (bad filter 400, forbidden 403, unauthorized 401) or after the reconnection
 * budget is spent without it ever going live.
 */
export function subscribe<M>(http: HttpClient, request: SubscribeRequest<M>): Promise<Connection> {
  const { entityType, eventFired } = request
  if (typeof eventFired !== 'function')
    throw new SdkError('BAD_REQUEST', `eventFired must be a function (subscription to ${entityType} events)`)
  const connection = new RealtimeConnection<M>({
    http,
    entityType,
    eventTypes: checkEventTypes(request.eventTypes),
    filter: request.filter,
    decode: request.decode,
    eventFired: eventFired as (model: M) => unknown,
    options: resolveSubscriptionOptions(request.options),
  })
  return connection.start()
}

/** The event types asked for, each once: a non-empty list of CREATE, UPDATE and DELETE. */
export function checkEventTypes(eventTypes: unknown): RealtimeEventType[] {
  const list = Array.isArray(eventTypes) ? (eventTypes as unknown[]) : []
  const unknown = list.filter((t) => !(REALTIME_EVENT_TYPES as readonly unknown[]).includes(t))
  if (list.length === 0 || unknown.length > 0)
    throw new SdkError(
      'BAD_REQUEST',
      `eventTypes must list one or more of ${REALTIME_EVENT_TYPES.join(', ')} (got ${JSON.stringify(eventTypes) ?? String(eventTypes)})`,
    )
  return [...new Set(list as RealtimeEventType[])]
}
