import { Type, type Static } from '@sinclair/typebox'
import {
  composedFilterSchema,
  type ComplementOf,
  type IntersectionOf,
  type UnionOf,
} from './composed-filter.ts'
import { MAX_FILTER_VALUES, MAX_PAGE_SIZE } from './constants.ts'
import { ref } from './dto.ts'

/**
 * Codings: entries of public codification systems (SNOMED CT, LOINC, ICD...), stored in clear and
 * shared by every user of a server (docs/codings.md). Their id is `type|code|version`. The filters
 * keep the MedTech SDK's names (docs/medtech-api.md §4.2).
 */

/** Longest `type` of a coding (a system name such as `SNOMEDCT` or `LOINC`). */
export const MAX_CODING_TYPE_LENGTH = 100
/** Longest `code` (SNOMED CT identifiers have at most 18 digits; post-coordinated expressions are longer). */
export const MAX_CODING_CODE_LENGTH = 200
/** Longest `version` of a coding (a release name or date). */
export const MAX_CODING_VERSION_LENGTH = 100
/** Longest id: `type|code|version`. */
export const MAX_CODING_ID_LENGTH =
  MAX_CODING_TYPE_LENGTH + MAX_CODING_CODE_LENGTH + MAX_CODING_VERSION_LENGTH + 2
/**
 * Longest label of one language. SNOMED CT descriptions have at most 255 characters and LOINC long
 * common names about as many; 2,000 leaves room for definitions without letting one coding be huge.
 */
export const MAX_CODING_LABEL_LENGTH = 2000
/** Most languages of one coding's label (each language costs one word-index row per distinct word). */
export const MAX_CODING_LANGUAGES = 20
/** Most regions of one coding. */
export const MAX_CODING_REGIONS = 50
/**
 * Most codings in one batch request. A coding is about 300 to 600 bytes of JSON, so 500 of them stay
 * well below the default body limit (512 KiB), and a batch is written in one transaction with its
 * index rows (a few per coding).
 */
export const MAX_CODING_BATCH_SIZE = 500
/**
 * Most ids `POST /code/match` answers: a filter matching more (for instance every code of a whole
 * SNOMED CT extract) is refused with 400 and must be paged through `POST /code/filter`. 100,000 ids of
 * about 30 characters are a 3 MB answer.
 */
export const MAX_CODING_MATCH_IDS = 100_000
/** Most filters one union, intersection or complement combines, and most leaf filters in all. */
export const MAX_CODING_FILTER_PARTS = 50

/**
 * A part of the id: no `|` (it separates the parts) and no control character, so that an id always
 * splits back into its type, code and version.
 */
const idPart = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^|\\u0000-\\u001f]+$' })

/** A language code such as `en` or `fr-BE` (BCP 47 tags are short). */
const Language = Type.String({ minLength: 1, maxLength: 35, pattern: '^[A-Za-z0-9-]+$' })

/**
 * A coding as stored and returned. `label` holds the descriptions by language (the MedTech model calls
 * it `description`); `created` and `modified` are set by the server; `rev` is required to modify.
 */
export const CodingSchema = Type.Object(
  {
    id: Type.String({ minLength: 5, maxLength: MAX_CODING_ID_LENGTH }),
    rev: Type.Optional(Type.String({ maxLength: 100 })),
    type: idPart(MAX_CODING_TYPE_LENGTH),
    code: idPart(MAX_CODING_CODE_LENGTH),
    version: idPart(MAX_CODING_VERSION_LENGTH),
    regions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: MAX_CODING_REGIONS }),
    ),
    label: Type.Optional(
      Type.Record(Language, Type.String({ maxLength: MAX_CODING_LABEL_LENGTH }), {
        maxProperties: MAX_CODING_LANGUAGES,
        propertyNames: { minLength: 1, maxLength: 35 },
      }),
    ),
    qualifiedLinks: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 100 }),
        Type.Array(Type.String({ minLength: 1, maxLength: MAX_CODING_ID_LENGTH }), { maxItems: 500 }),
        { maxProperties: 20, propertyNames: { minLength: 1, maxLength: 100 } },
      ),
    ),
    searchTerms: Type.Optional(
      Type.Record(Language, Type.Array(Type.String({ maxLength: 500 }), { maxItems: 100 }), {
        maxProperties: MAX_CODING_LANGUAGES,
        propertyNames: { minLength: 1, maxLength: 35 },
      }),
    ),
    created: Type.Optional(Type.Number()),
    modified: Type.Optional(Type.Number()),
  },
  { $id: 'Coding', additionalProperties: false },
)
export type CodingDto = Static<typeof CodingSchema>

/** Codings created or modified in one transaction (all or nothing). */
export const CodingBatchSchema = Type.Array(ref(CodingSchema), {
  minItems: 1,
  maxItems: MAX_CODING_BATCH_SIZE,
})

/** What `POST /code/import` did, by coding id: nothing is listed twice. */
export const CodingImportResultSchema = Type.Object(
  {
    created: Type.Array(Type.String()),
    updated: Type.Array(Type.String()),
    unchanged: Type.Array(Type.String()),
  },
  { $id: 'CodingImportResult', additionalProperties: false },
)
export type CodingImportResultDto = Static<typeof CodingImportResultSchema>

/** Path parameter of `GET /code/{id}`: a coding id (`type|code|version`, URI-encoded). */
export const CodingIdParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: MAX_CODING_ID_LENGTH }),
})

/** Query of `POST /code/filter`: keyset paging from a coding id. */
export const CodingPageQuerySchema = Type.Object(
  {
    startDocumentId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CODING_ID_LENGTH })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  },
  { additionalProperties: false },
)

const Description = Type.Optional(Type.String({ maxLength: 1000 }))
const OptionalText = (maxLength: number) => Type.Optional(Type.String({ maxLength }))

/** Every coding. */
export const AllCodingsFilterSchema = Type.Object(
  { $type: Type.Literal('AllCodingsFilter'), description: Description },
  { $id: 'AllCodingsFilter', additionalProperties: false },
)
/** The codings among these ids. */
export const CodingByIdsFilterSchema = Type.Object(
  {
    $type: Type.Literal('CodingByIdsFilter'),
    description: Description,
    ids: Type.Array(Type.String({ minLength: 1, maxLength: MAX_CODING_ID_LENGTH }), {
      maxItems: MAX_FILTER_VALUES,
    }),
  },
  { $id: 'CodingByIdsFilter', additionalProperties: false },
)
/**
 * Codings of a region and a type (exact), whose label in `language` (any language if absent) has,
 * for every word of `label`, a word starting with it, case and accents ignored: "diab mell" finds
 * "Diabetes mellitus". `language` without `label`: codings with a label in that language.
 */
export const CodingByRegionTypeLabelFilterSchema = Type.Object(
  {
    $type: Type.Literal('CodingByRegionTypeLabelFilter'),
    description: Description,
    region: OptionalText(50),
    type: OptionalText(MAX_CODING_TYPE_LENGTH),
    language: OptionalText(35),
    label: OptionalText(200),
  },
  { $id: 'CodingByRegionTypeLabelFilter', additionalProperties: false },
)

/** A leaf coding filter. */
export type CodingLeafFilterDto =
  | Static<typeof AllCodingsFilterSchema>
  | Static<typeof CodingByIdsFilterSchema>
  | Static<typeof CodingByRegionTypeLabelFilterSchema>

/** A coding filter: a leaf, or a union, intersection or complement of coding filters. */
export type CodingFilterDto =
  | CodingLeafFilterDto
  | UnionOf<CodingFilterDto>
  | IntersectionOf<CodingFilterDto>
  | ComplementOf<CodingFilterDto>

/** The recursive coding filter schema (`$id` `CodingFilter`); nesting is bounded by the JSON depth limit. */
export const CodingFilterSchema = composedFilterSchema('CodingFilter', [
  'AllCodingsFilter',
  'CodingByIdsFilter',
  'CodingByRegionTypeLabelFilter',
])

/** Body of `POST /code/filter` and `POST /code/match`. */
export const CodingFilterRequestSchema = Type.Object(
  { filter: Type.Unsafe<CodingFilterDto>(Type.Ref('CodingFilter')) },
  { $id: 'CodingFilterRequest', additionalProperties: false },
)

/** One keyset page of codings (MedTech `PaginatedList` shape); `totalSize` counts every match. */
export const CodingPageSchema = Type.Object(
  {
    pageSize: Type.Integer(),
    totalSize: Type.Integer(),
    rows: Type.Array(ref(CodingSchema), { maxItems: MAX_PAGE_SIZE }),
    nextKeyPair: Type.Object({
      startKey: Type.Optional(Type.Unknown()),
      startKeyDocId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'CodingPage' },
)
