import { Type } from '@sinclair/typebox'
import {
  CodingBatchSchema,
  CodingFilterRequestSchema,
  CodingIdParamsSchema,
  CodingImportResultSchema,
  CodingPageQuerySchema,
  CodingPageSchema,
  CodingSchema,
  MAX_CODING_MATCH_IDS,
} from '../coding.ts'
import { ref } from '../dto.ts'
import { defineRoute } from './route-def.ts'

const tags = ['coding']
const coding = ref(CodingSchema)

/**
 * The coding routes (`/code`, MedTech's paths). Every signed-in user reads and searches codings;
 * admins and healthcare professionals create and modify them (docs/access.md).
 */
export const CODING_ROUTES = {
  create: defineRoute({
    method: 'POST',
    path: '/code',
    operationId: 'createCoding',
    summary: 'Creates a coding; its id must be `type|code|version` (admins and healthcare professionals)',
    tags,
    body: coding,
    response: coding,
  }),
  modify: defineRoute({
    method: 'PUT',
    path: '/code',
    operationId: 'modifyCoding',
    summary: 'Modifies a coding at its current rev (stale rev: 409, nothing saved)',
    tags,
    body: coding,
    response: coding,
  }),
  createBatch: defineRoute({
    method: 'POST',
    path: '/code/batch',
    operationId: 'createCodingBatch',
    summary: 'Creates codings in one transaction (all or nothing)',
    tags,
    body: CodingBatchSchema,
    response: Type.Array(coding),
  }),
  modifyBatch: defineRoute({
    method: 'PUT',
    path: '/code/batch',
    operationId: 'modifyCodingBatch',
    summary: 'Modifies codings at their current revs in one transaction (all or nothing)',
    tags,
    body: CodingBatchSchema,
    response: Type.Array(coding),
  }),
  import: defineRoute({
    method: 'POST',
    path: '/code/import',
    operationId: 'importCodings',
    summary:
      'Creates the codings that do not exist and merges the others (labels by language, regions, search terms, links) in one transaction; a coding already holding everything is left as it is',
    tags,
    body: CodingBatchSchema,
    response: ref(CodingImportResultSchema),
  }),
  get: defineRoute({
    method: 'GET',
    path: '/code/:id',
    operationId: 'getCoding',
    summary: 'A coding by id (`type|code|version`)',
    tags,
    params: CodingIdParamsSchema,
    response: coding,
  }),
  filter: defineRoute({
    method: 'POST',
    path: '/code/filter',
    operationId: 'filterCodings',
    summary: 'One keyset page (by id) of the codings matching a filter, with the number of every match',
    tags,
    query: CodingPageQuerySchema,
    body: ref(CodingFilterRequestSchema),
    response: ref(CodingPageSchema),
  }),
  match: defineRoute({
    method: 'POST',
    path: '/code/match',
    operationId: 'matchCodings',
    summary: `Ids (in id order) of the codings matching a filter; more than ${MAX_CODING_MATCH_IDS} matches is a 400 (page with /code/filter)`,
    tags,
    body: ref(CodingFilterRequestSchema),
    response: Type.Array(Type.String(), { maxItems: MAX_CODING_MATCH_IDS }),
  }),
} as const
