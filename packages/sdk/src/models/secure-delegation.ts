import { applyFields, marshalFields, wrapSet, type Marshalled, type ModelInit } from './model-utils.ts'

/** The access levels a secure delegation grants. */
export const AccessLevelEnum = {
  READ: 'READ',
  WRITE: 'WRITE',
} as const

/** The access levels a secure delegation grants (`'READ'` or `'WRITE'`). */
export type AccessLevelEnum = (typeof AccessLevelEnum)[keyof typeof AccessLevelEnum]

/** Members of {@link AccessLevelEnum} usable as types, as with the original TypeScript enum. */
// A namespace is the only way to give the const object type members (`AccessLevelEnum.X` as a type).
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace AccessLevelEnum {
  /** Read access. */
  type READ = typeof AccessLevelEnum.READ
  /** Read and write access. */
  type WRITE = typeof AccessLevelEnum.WRITE
}

/**
 * One entry of the secure-delegation access control of an entity: what `delegator` shared with
 * `delegate` (secret ids, encryption keys, owning entity ids) and with which permissions.
 */
export class SecureDelegation {
  /** The data owner who shared (may be absent for anonymous delegations). */
  declare delegator?: string
  /** The data owner who received access (may be absent for anonymous delegations). */
  declare delegate?: string
  /** Encrypted secret ids (default empty). */
  declare secretIds: Set<string>
  /** Encrypted encryption keys (default empty). */
  declare encryptionKeys: Set<string>
  /** Encrypted ids of the owning entities (default empty). */
  declare owningEntityIds: Set<string>
  /** Hashes of the delegations this one derives from (default empty). */
  declare parentDelegations: Set<string>
  /** Id of the exchange data used to encrypt this delegation. */
  declare exchangeDataId?: string
  /** Permissions granted to the delegate. No default. */
  declare permissions: AccessLevelEnum

  /** Copies the given fields; the four Set fields become new Sets (default empty). */
  constructor(json: ModelInit<SecureDelegation>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<SecureDelegation>(this, {
      secretIds: wrapSet<string>(source.secretIds),
      encryptionKeys: wrapSet<string>(source.encryptionKeys),
      owningEntityIds: wrapSet<string>(source.owningEntityIds),
      parentDelegations: wrapSet<string>(source.parentDelegations),
    })
  }

  /** Plain JSON form of this delegation. */
  marshal(): Marshalled<SecureDelegation> {
    return marshalFields(this) as Marshalled<SecureDelegation>
  }
}
