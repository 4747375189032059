import {
  applyFields,
  copyOptionalRecord,
  marshalFields,
  wrapSet,
  type Marshalled,
  type ModelInit,
} from './model-utils.ts'

/**
 * The public crypto material of a data owner (healthcare professional, medical device): its public keys
 * and the exchange keys other data owners share with it. Only `publicKeysForOaepWithSha256` has a default.
 */
export class SystemMetaDataOwner {
  /** The main public key of the data owner. */
  declare publicKey: string
  /** Legacy exchange keys, by delegate id: `[key encrypted for owner, key encrypted for delegate]`. */
  declare hcPartyKeys: { [dataOwnerId: string]: string[] }
  /** Shares of the private key given to other data owners (Shamir secret sharing), by holder id. */
  declare privateKeyShamirPartitions: { [dataOwnerId: string]: string }
  /** Exchange keys: by owner public key, by delegate id, by key fingerprint, the encrypted key. */
  declare aesExchangeKeys: {
    [publicKey: string]: { [delegateId: string]: { [fingerprint: string]: string } }
  }
  /** Transfer keys letting a new key pair recover an old one: by source fingerprint, by target fingerprint. */
  declare transferKeys: { [fromFingerprint: string]: { [toFingerprint: string]: string } }
  /** Additional public keys, used with OAEP-SHA256 (default empty). */
  declare publicKeysForOaepWithSha256: Set<string>

  /** Copies the given fields; the nested maps are copied and the key Set becomes a new Set. */
  constructor(json: ModelInit<SystemMetaDataOwner>) {
    const source = json ?? {}
    Object.assign(this, source)
    applyFields<SystemMetaDataOwner>(this, {
      hcPartyKeys: copyOptionalRecord(source.hcPartyKeys),
      privateKeyShamirPartitions: copyOptionalRecord(source.privateKeyShamirPartitions),
      aesExchangeKeys: copyOptionalRecord(source.aesExchangeKeys),
      transferKeys: copyOptionalRecord(source.transferKeys),
      publicKeysForOaepWithSha256: wrapSet<string>(source.publicKeysForOaepWithSha256),
    })
  }

  /** Plain JSON form of this metadata. */
  marshal(): Marshalled<SystemMetaDataOwner> {
    return marshalFields(this) as Marshalled<SystemMetaDataOwner>
  }
}
