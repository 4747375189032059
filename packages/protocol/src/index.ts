export * from './errors.ts'
export * from './constants.ts'
export * from './dto.ts'
export * from './attachment-format.ts'
export * from './attachment-dto.ts'
export * from './recovery-key-dto.ts'
export * from './messaging-dto.ts'
export * from './realtime-dto.ts'
export * from './audit-dto.ts'
export * from './filters.ts'
export * from './coding.ts'
export type { EntityDescriptor, IndexKind } from './entities/entity-descriptor.ts'
export {
  ENTITY_DESCRIPTORS,
  ENTITY_TYPES,
  entityDescriptor,
  isSoftDeleted,
  type EntityType,
} from './entities/entity-descriptors.ts'
export * from './routes/route-def.ts'
export { ROUTES, ENTITY_ROUTES, allRoutes } from './routes/route-table.ts'
export { MSG_GW_PATH } from './routes/msg-gw-routes.ts'
export { NAMED_SCHEMAS } from './named-schemas.ts'
