/** A data owner's recovery key as the server keeps it: ciphertext and a hash, nothing that decrypts. */
export interface StoredRecoveryKey {
  dataOwnerId: string
  /** Hex SHA-256 of the value derived from the recovery code (the server never keeps the value). */
  authHash: string
  /** The recovery data as the device encrypted it (base64). */
  blob: string
  /** Fingerprints of the public keys the device declared it covers. */
  fingerprints: string[]
  /** Epoch ms it was stored. */
  created: number
}

/**
 * The recovery keys of data owners (table of migration 0009), part of the Storage contract as
 * `storage.recoveryKeys`, on both dialects. One per data owner: storing another replaces it.
 */
export interface RecoveryKeyStore {
  /** The recovery key of a data owner, if it has one. */
  get(dataOwnerId: string): Promise<StoredRecoveryKey | undefined>
  /** Stores the recovery key of its data owner, replacing the one it had (one statement). */
  put(key: StoredRecoveryKey): Promise<void>
  /** Deletes the recovery key of a data owner; false if it had none. */
  delete(dataOwnerId: string): Promise<boolean>
}
