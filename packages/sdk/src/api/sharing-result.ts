import { SdkError } from '../http/sdk-error.ts'
import type { Patient } from '../models/index.ts'

/**
 * How sharing one kind of entity went (MedTech `SharingStatus`): `success` true when every entity found
 * is now shared (or already was), `error` null then; `modified` counts the entities written by this
 * call (0 when everything was shared already). In Cairn each data sample is its own entity, so
 * `modified` counts samples, where MedTech counted their batches.
 */
export interface SharingStatus {
  success: boolean | null
  error: Error | null
  modified: number | null
}

/**
 * What `patientApi.giveAccessToAllDataOf` returns (MedTech `SharingResult`): the patient as it stands
 * after the call (undefined when the caller cannot decrypt it), and a status per kind of entity.
 */
export interface SharingResult {
  patient: Patient | undefined
  statuses: {
    dataSamples?: SharingStatus
    healthcareElements?: SharingStatus
    patient?: SharingStatus
  }
}

/** The kinds of entity `giveAccessToAllDataOf` goes through, in the order it does. */
export type SharingPhase = 'patient' | 'dataSamples' | 'healthcareElements'

/**
 * Progress of `giveAccessToAllDataOf` (Cairn extension): `done` entities handled so far (shared,
 * already shared, or failed), never decreasing, out of `total`.
 */
export interface SharingProgress {
  done: number
  total: number
  phase: SharingPhase
}

/** Options of `patientApi.giveAccessToAllDataOf` (Cairn extension; MedTech has none). */
export interface GiveAccessToAllDataOptions {
  /**
   * Called after the patient and after each batch: `done` never decreases and the last call has
   * `done === total`. `total` is the server's count at the start; it grows if more entities turn up
   * meanwhile, and the last call lowers it if some were deleted meanwhile. A callback that throws
   * stops the call; what was shared stays shared, and calling again resumes.
   */
  onProgress?: (progress: SharingProgress) => void
  /**
   * Entities read per page and written per request, from 1 to MAX_BATCH_SIZE (100, the default): the
   * call never holds more than about one page of documents.
   */
  batchSize?: number
}

/** One entity that could not be shared, and why. */
export interface SharingFailure {
  entityId: string
  error: Error
}

/** Failures named in full in a SharingError's message; the others are counted. */
const FAILURES_IN_MESSAGE = 5

/**
 * The `error` of a SharingStatus when some entities could not be shared (Cairn extension: MedTech's is
 * a plain Error). `failures` lists every one of them with its own error; `code` is the first one's.
 */
export class SharingError extends SdkError {
  constructor(
    readonly entityType: string,
    readonly patientId: string,
    readonly failures: readonly SharingFailure[],
  ) {
    const first = failures[0]?.error
    const named = failures
      .slice(0, FAILURES_IN_MESSAGE)
      .map((f) => `${f.entityId} (${f.error.message.split('\n')[0]})`)
    const more =
      failures.length > FAILURES_IN_MESSAGE ? ` and ${failures.length - FAILURES_IN_MESSAGE} more` : ''
    super(
      first instanceof SdkError ? first.code : 'INTERNAL',
      `Could not share ${failures.length} ${entityType} with patient ${patientId}: ${named.join(', ')}${more}`,
    )
    this.name = 'SharingError'
  }
}

/** The status of one kind of entity from what was written and what failed. */
export function sharingStatus(
  entityType: string,
  patientId: string,
  modified: number,
  failures: readonly SharingFailure[],
): SharingStatus {
  if (failures.length === 0) return { success: true, error: null, modified }
  return { success: false, error: new SharingError(entityType, patientId, failures), modified }
}
