import { Delegation } from './delegation.ts'
import {
  applyFields,
  copyOptionalRecord,
  marshalFields,
  wrapArray,
  wrapOptional,
  wrapSet,
  wrapSetRecord,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'
import { SecurityMetaData } from './security-meta-data.ts'
import type { EntitySealModel } from './system-meta-data-encrypted.ts'

/**
 * The crypto bookkeeping of a patient, who is both a data owner and an encrypted entity: the union of
 * {@link SystemMetaDataOwner} (public keys, exchange keys) and {@link SystemMetaDataEncrypted} (secret ids,
 * delegations, encrypted fields).
 */
export class SystemMetaDataOwnerEncrypted {
  /** The main public key of the patient. */
  declare publicKey: string
  /** Legacy exchange keys, by delegate id. */
  declare hcPartyKeys: { [dataOwnerId: string]: string[] }
  /** Shares of the private key given to other data owners, by holder id. */
  declare privateKeyShamirPartitions: { [dataOwnerId: string]: string }
  /** Exchange keys: by owner public key, by delegate id, by key fingerprint, the encrypted key. */
  declare aesExchangeKeys: {
    [publicKey: string]: { [delegateId: string]: { [fingerprint: string]: string } }
  }
  /** Transfer keys: by source fingerprint, by target fingerprint. */
  declare transferKeys: { [fromFingerprint: string]: { [toFingerprint: string]: string } }
  /** Additional public keys, used with OAEP-SHA256 (default empty). */
  declare publicKeysForOaepWithSha256: Set<string>
  /** Secret ids of the entities this patient is linked to (default `[]`). */
  declare secretForeignKeys: string[]
  /** Encrypted owning entity ids, by data owner (default `{}`). */
  declare cryptedForeignKeys: { [dataOwnerId: string]: Set<Delegation> }
  /** Encrypted secret ids, by data owner (default `{}`). */
  declare delegations: { [dataOwnerId: string]: Set<Delegation> }
  /** Encrypted encryption keys, by data owner (default `{}`). */
  declare encryptionKeys: { [dataOwnerId: string]: Set<Delegation> }
  /** The encrypted fields of the patient, base64. */
  declare encryptedSelf?: string
  /** Secure-delegation access control, when used. */
  declare securityMetadata?: SecurityMetaData
  /** Protocol v2 seal of this revision (made and checked by the SDK; docs/protocol.md). */
  declare seal?: EntitySealModel
  /** Signed statements about the patient's own keys (rotation, revocation; protocol v2). */
  declare keyStatements?: {
    statement: string
    fingerprint: string
    signerFingerprint: string
    signature: string
  }[]
  /** Who wrote this revision, as the SDK found when it read it (see SystemMetaDataEncrypted.writer). */
  declare writer?: { dataOwnerId: string; verified: boolean }
  /** True when the current data owner holds no usable key: the encrypted fields are withheld, not empty. */
  declare contentWithheld?: boolean

  /** Copies the given fields and normalises the maps, Sets and nested metadata. */
  constructor(json: ModelInit<SystemMetaDataOwnerEncrypted>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<SystemMetaDataOwnerEncrypted>(this, {
      hcPartyKeys: copyOptionalRecord(source.hcPartyKeys),
      privateKeyShamirPartitions: copyOptionalRecord(source.privateKeyShamirPartitions),
      aesExchangeKeys: copyOptionalRecord(source.aesExchangeKeys),
      transferKeys: copyOptionalRecord(source.transferKeys),
      publicKeysForOaepWithSha256: wrapSet<string>(source.publicKeysForOaepWithSha256),
      secretForeignKeys: wrapArray<string>(source.secretForeignKeys),
      cryptedForeignKeys: wrapSetRecord(source.cryptedForeignKeys, Delegation),
      delegations: wrapSetRecord(source.delegations, Delegation),
      encryptionKeys: wrapSetRecord(source.encryptionKeys, Delegation),
      securityMetadata: wrapOptional(source.securityMetadata, SecurityMetaData),
    })
  }

  /** Plain JSON form of this metadata. */
  marshal(): Marshalled<SystemMetaDataOwnerEncrypted> {
    return marshalFields(this) as Marshalled<SystemMetaDataOwnerEncrypted>
  }
}
