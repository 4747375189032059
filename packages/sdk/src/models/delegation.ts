import {
  applyFields,
  marshalFields,
  wrapOptionalArray,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'

/**
 * A piece of crypto bookkeeping: a value (secret id, encryption key, owning entity id) wrapped by `owner`
 * for `delegatedTo`, so that the delegate can recover it. See docs/protocol.md for Cairn's wrapping scheme.
 */
export class Delegation {
  /** Tags qualifying the delegation (e.g. `all`). No default. */
  declare tags: string[]
  /** The data owner who created the delegation. */
  declare owner?: string
  /** The data owner who can unwrap the key. */
  declare delegatedTo?: string
  /** The wrapped value. */
  declare key?: string

  /** Copies the given fields; `tags` is copied when given. */
  constructor(json: ModelInit<Delegation>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<Delegation>(this, { tags: wrapOptionalArray<string>(source.tags) })
  }

  /** Plain JSON form of this delegation. */
  marshal(): Marshalled<Delegation> {
    return marshalFields(this) as Marshalled<Delegation>
  }
}
