import { SdkError } from '../http/sdk-error.ts'
import type { PotentiallyEncryptedPatient, User } from '../models/index.ts'

/**
 * What the DSL builders use of the MedTechApi they are given: the current user's data owner id (for
 * `forSelf()`) and the secret ids of patients (for `forPatients`). Typed by shape, so any MedTechApi
 * fits, and each member is optional: a builder only fails, with a message saying so, when a method
 * needs a member that is missing (`new HealthcareProfessionalFilter()` needs none).
 */
export interface FilterApi {
  readonly userApi?: { getLoggedUser(): Promise<User> }
  readonly dataOwnerApi?: { getDataOwnerIdOf(user: User): string | Promise<string> }
  readonly cryptoApi?: {
    readonly entities: {
      secretIdsOf(entity: PotentiallyEncryptedPatient, entityType?: 'patient'): Promise<string[]>
    }
  }
}

/**
 * The data owner id a builder is bound to: `dataOwnerId` when given (`forDataOwner`), else the
 * current user's (`forSelf`), asked at once as MedTech does. Throws at once for an empty id.
 */
export function dataOwnerIdFor(
  api: FilterApi | undefined,
  builder: string,
  dataOwnerId?: string,
): Promise<string> {
  if (dataOwnerId !== undefined) {
    if (typeof dataOwnerId !== 'string' || dataOwnerId.length === 0) {
      throw new SdkError(
        'BAD_REQUEST',
        `${builder}.forDataOwner(dataOwnerId) needs a data owner id (a non-empty string)`,
      )
    }
    return Promise.resolve(dataOwnerId)
  }
  const userApi = api?.userApi
  const dataOwnerApi = api?.dataOwnerApi
  if (!userApi || !dataOwnerApi) {
    throw new SdkError(
      'BAD_REQUEST',
      `${builder}.forSelf() needs the MedTechApi: new ${builder}(api).forSelf()`,
    )
  }
  return userApi.getLoggedUser().then((user) => dataOwnerApi.getDataOwnerIdOf(user))
}

/**
 * The secret ids of the patients that the current user can read, concatenated in the order of the
 * patients (MedTech `forPatients`): entities linked to a patient through a secret id the user cannot
 * read are not found. Checks its arguments at once; the ids come later.
 */
export function patientSecretIds(
  api: FilterApi | undefined,
  builder: string,
  patients: PotentiallyEncryptedPatient[],
): Promise<string[]> {
  const entities = api?.cryptoApi?.entities
  if (!entities) {
    throw new SdkError(
      'BAD_REQUEST',
      `${builder}.forPatients(patients) needs the MedTechApi: new ${builder}(api)`,
    )
  }
  if (!Array.isArray(patients)) {
    throw new SdkError('BAD_REQUEST', `${builder}.forPatients(patients) needs an array of patients`)
  }
  return Promise.all(patients.map((patient) => entities.secretIdsOf(patient, 'patient'))).then((lists) =>
    lists.flat(),
  )
}
