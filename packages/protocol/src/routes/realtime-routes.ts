import { RealtimeTicketSchema } from '../realtime-dto.ts'
import { defineRoute } from './route-def.ts'

/** The realtime routes besides the socket itself (docs/realtime.md). */
export const REALTIME_ROUTES = {
  ticket: defineRoute({
    method: 'POST',
    path: '/realtime/ticket',
    operationId: 'createRealtimeTicket',
    summary:
      'A single-use, short-lived ticket that authenticates one subscription socket (for browsers, which cannot send a bearer header)',
    tags: ['realtime'],
    response: RealtimeTicketSchema,
  }),
} as const
