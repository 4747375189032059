/** The server's storage: the contract, its one implementation for both dialects, and its factory. */
export type { DocIndexes, DocTable, DocWrite, Storage, StoredDoc, UserRow, UserTokenRow } from './storage.ts'
export { StorageConflict } from './storage.ts'
export { createStorage, type CreateStorageOptions } from './create-storage.ts'
export { KyselyStorage } from './kysely-storage.ts'
export { dropPgSchema } from './drop-pg-schema.ts'
