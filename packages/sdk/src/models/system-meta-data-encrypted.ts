import type { SealDto } from '@cairn/protocol'
import { Delegation } from './delegation.ts'
import {
  marshalFields,
  wrapArray,
  wrapOptional,
  wrapSetRecord,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { SecurityMetaData } from './security-meta-data.ts'

/** The wire form of a protocol v2 seal (the protocol's SealDto; see @cairn/crypto `EntitySeal`). */
export type EntitySealModel = SealDto

/**
 * The crypto bookkeeping of an encrypted entity (healthcare element, data sample, notification): secret
 * foreign keys linking it to its patient, the delegations giving data owners access to its secret ids,
 * encryption keys and owning entity ids, and its encrypted fields (`encryptedSelf`).
 *
 * Unlike the other models, the constructor copies only the fields below and ignores any other key (as
 * specified in §3.13): owner metadata handed to it (e.g. a patient's public keys) is not carried over.
 */
export class SystemMetaDataEncrypted {
  /** Secret ids of the owning entity (e.g. the patient) this entity is linked to (default `[]`). */
  declare secretForeignKeys: string[]
  /** Encrypted owning entity ids, by data owner (default `{}`). */
  declare cryptedForeignKeys: { [dataOwnerId: string]: Set<Delegation> }
  /** Encrypted secret ids, by data owner (default `{}`). */
  declare delegations: { [dataOwnerId: string]: Set<Delegation> }
  /** Encrypted entity encryption keys, by data owner (default `{}`). */
  declare encryptionKeys: { [dataOwnerId: string]: Set<Delegation> }
  /** The encrypted fields of the entity, base64. */
  declare encryptedSelf?: string
  /** Secure-delegation access control, when the entity uses it. */
  declare securityMetadata?: SecurityMetaData
  /** Protocol v2 seal of this revision (made and checked by the SDK; docs/protocol.md). */
  declare seal?: EntitySealModel
  /**
   * Who wrote this revision, as the SDK found when it read it: `verified` is true when a proof only
   * that data owner could make was checked (false: a holder of the entity key wrote it, who is not proven).
   * Set by the SDK on read, never sent to the server.
   */
  declare writer?: { dataOwnerId: string; verified: boolean }
  /** True when the current data owner holds no usable key: the encrypted fields are withheld, not empty. */
  declare contentWithheld?: boolean

  /** Keeps only the known fields, normalising the delegation maps (values may be arrays or Sets). */
  constructor(json: ModelInit<SystemMetaDataEncrypted>) {
    const source = json ?? {}
    this.secretForeignKeys = wrapArray<string>(source.secretForeignKeys)
    this.cryptedForeignKeys = wrapSetRecord(source.cryptedForeignKeys, Delegation)
    this.delegations = wrapSetRecord(source.delegations, Delegation)
    this.encryptionKeys = wrapSetRecord(source.encryptionKeys, Delegation)
    if (typeof source.encryptedSelf === 'string') this.encryptedSelf = source.encryptedSelf
    const securityMetadata = wrapOptional(source.securityMetadata, SecurityMetaData)
    if (securityMetadata) this.securityMetadata = securityMetadata
    if (source.seal) this.seal = { ...source.seal, proofs: { ...source.seal.proofs } } as EntitySealModel
    if (source.writer) this.writer = { ...source.writer } as { dataOwnerId: string; verified: boolean }
    if (source.contentWithheld) this.contentWithheld = true
  }

  /** Plain JSON form of this metadata (delegation Sets become arrays). */
  marshal(): Marshalled<SystemMetaDataEncrypted> {
    return marshalFields(this) as Marshalled<SystemMetaDataEncrypted>
  }
}
