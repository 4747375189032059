import {
  AccessLogPageSchema,
  AccessLogParamsSchema,
  AccessLogQuerySchema,
  AuditPageSchema,
  AuditQuerySchema,
} from '../audit-dto.ts'
import { defineRoute } from './route-def.ts'

/** The access-log routes (docs/audit.md). */
export const AUDIT_ROUTES = {
  list: defineRoute({
    method: 'GET',
    path: '/audit',
    operationId: 'listAuditEntries',
    summary: 'Entries of the access log by actor, record, action and time range, oldest first (admins only)',
    tags: ['audit'],
    query: AuditQuerySchema,
    response: AuditPageSchema,
  }),
  accessLog: defineRoute({
    method: 'GET',
    path: '/audit/dataowner/:dataOwnerId',
    operationId: 'listAccessLogOfDataOwner',
    summary:
      'Who read, changed, shared or deleted the records this data owner holds (only the data owner itself)',
    tags: ['audit'],
    params: AccessLogParamsSchema,
    query: AccessLogQuerySchema,
    response: AccessLogPageSchema,
  }),
} as const
