import { applyFields, marshalFields, wrapRecord, type Marshalled, type ModelInit } from './model-utils.ts'
import { SecureDelegation } from './secure-delegation.ts'

/** The secure-delegation access control of an entity: delegations by hash and key equivalences. */
export class SecurityMetaData {
  /** Secure delegations by their hash (default `{}`). */
  declare secureDelegations: { [hash: string]: SecureDelegation }
  /** Equivalences between delegation key hashes (default `{}`). */
  declare keysEquivalences: { [hash: string]: string }

  /** Copies the given fields; secure delegations are re-wrapped (both records default to `{}`). */
  constructor(json: ModelInit<SecurityMetaData>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<SecurityMetaData>(this, {
      secureDelegations: wrapRecord(source.secureDelegations, SecureDelegation),
      keysEquivalences: wrapRecord<string>(source.keysEquivalences),
    })
  }

  /** Plain JSON form of this metadata. */
  marshal(): Marshalled<SecurityMetaData> {
    return marshalFields(this) as Marshalled<SecurityMetaData>
  }
}
