import type { DocTable } from './storage.ts'

/** SQL names of one document table and of its index tables (absent when the entity is not encrypted). */
export interface TableNames {
  /**
   * Typed as `patient` so that queries over any document table type-check: every document table has
   * the columns of `patient` (exchange_key adds two, written through their own code path).
   */
  doc: 'patient'
  /** Access index table, for encrypted entities only. */
  access?: 'patient_access'
  /** Secret foreign key index table, for encrypted entities only. */
  sfk?: 'patient_sfk'
}

const DOC_TABLES: Record<DocTable, string> = {
  patient: 'patient',
  dataSample: 'data_sample',
  healthcareElement: 'healthcare_element',
  healthcareProfessional: 'healthcare_professional',
  medicalDevice: 'medical_device',
  exchangeKey: 'exchange_key',
}

/** Entities whose documents are encrypted, hence carry a delegation map and secret foreign keys. */
const ENCRYPTED: ReadonlySet<DocTable> = new Set<DocTable>(['patient', 'dataSample', 'healthcareElement'])

/**
 * Maps a contract table name to its SQL tables. The casts are the one place where a dynamic table
 * name meets Kysely's static typing; they are sound because the tables share their columns.
 */
export function tableNames(table: DocTable): TableNames {
  const doc = DOC_TABLES[table]
  if (!ENCRYPTED.has(table)) return { doc: doc as 'patient' }
  return {
    doc: doc as 'patient',
    access: `${doc}_access` as 'patient_access',
    sfk: `${doc}_sfk` as 'patient_sfk',
  }
}
