import type { TSchema } from '@sinclair/typebox'
import * as dto from './dto.ts'
import * as filters from './filters.ts'
import * as coding from './coding.ts'

/**
 * Every schema with an `$id`: the server registers them once (they become named OpenAPI
 * components) so that the `ref()`s of the route table resolve.
 */
export const NAMED_SCHEMAS: readonly TSchema[] = (
  [...Object.values(dto), ...Object.values(filters), ...Object.values(coding)] as unknown[]
).filter((v): v is TSchema => typeof v === 'object' && v !== null && typeof (v as TSchema).$id === 'string')
