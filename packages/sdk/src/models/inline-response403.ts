import type { ModelInit } from './model-utils.ts'

/**
 * The body of a 403 response as described by the original OpenAPI document. Kept for API compatibility;
 * like the original it has no `marshal()` (its fields are already plain JSON).
 */
export class InlineResponse403 {
  /** Short value. */
  declare _short?: number
  /** Character value. */
  declare _char?: string
  /** Integer value. */
  declare _int?: number
  /** Long value. */
  declare _long?: number
  /** Float value. */
  declare _float?: number
  /** Double value. */
  declare _double?: number
  /** Whether the buffer is direct. */
  declare direct?: boolean
  /** Whether the buffer is read-only. */
  declare readOnly?: boolean

  /** Copies the given fields. */
  constructor(json: ModelInit<InlineResponse403>) {
    Object.assign(this, json)
  }
}
