import type { TSchema } from '@sinclair/typebox'

/**
 * Index kinds an encrypted entity type can be searched by. Each is one index table next to the
 * document table, rewritten in the same transaction as the document (see the server's storage).
 * - `access`: the data owners with access (keys of the delegation map); every entity has it.
 * - `term`: search terms taken from clear fields (secret ids of the parent patient, codes, labels,
 *   identifiers, links...), each stored with the entity's sort date so that a term and a date range
 *   are one index range (docs/filters.md).
 * - `name`: normalised names for substring search (every suffix of each name, searched by prefix).
 */
export type IndexKind = 'access' | 'term' | 'name'

/**
 * Everything the server, the protocol and the SDK need to know about one encrypted entity type.
 * Tables, index tables, HTTP routes, OpenAPI components, filter endpoints and the SDK's wiring are
 * derived from it, so adding an entity type is: a descriptor, its model class, its migration, its
 * tests (docs/adding-an-entity.md).
 */
export interface EntityDescriptor {
  /** Name used in routes' tags, storage, crypto AAD and write events (camelCase, never changes). */
  readonly type: string
  /** Name of its OpenAPI components (PascalCase). */
  readonly name: string
  /** HTTP path under the API prefix, e.g. `/patient`. */
  readonly path: string
  /** SQL table of its documents; its index tables are `<table>_<index kind>`. */
  readonly table: string
  /** Index kinds kept for it; the access index comes first and is mandatory (filters walk it). */
  readonly indexes: readonly ['access', ...IndexKind[]]
  /** Fields that only exist inside `encryptedSelf` (never in clear on the wire). */
  readonly encryptedFields: readonly string[]
  /** True when the entity is also a data owner (patients): its id is claimed among data-owner ids. */
  readonly dataOwner: boolean
  /** Leaf filter schemas accepted by `POST <path>/filter` and `/match` (each with a literal `$type`). */
  readonly filters: readonly TSchema[]
  /** The recursive filter schema of the type: its leaves, and unions, intersections and complements of them. */
  readonly filter: TSchema
  /**
   * Soft deletion (MedTech notifications): deleting sets `deletionDate` (a new rev) and the document
   * stays readable, shareable and searchable by its delegates, instead of becoming a tombstone.
   * Absent or false: deletion leaves a tombstone and the id answers as unknown afterwards.
   */
  readonly softDelete?: boolean
}
