import { ENTITY_DESCRIPTORS, ENTITY_ROUTES, type EncryptedEntityDto } from '@cairn/protocol'
import {
  EncryptedPatient,
  Patient,
  type Connection,
  PaginatedListPatient,
  type PotentiallyEncryptedPatient,
} from '../models/index.ts'
import { withOfficialName } from '../mappers/official-name.ts'
import { notAvailable, SdkError } from '../http/sdk-error.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import type { Filter } from '../filter/filter.ts'
import { filterEntities, matchEntities } from './search.ts'
import { EncryptedEntityStore } from './encrypted-entity-store.ts'
import { ENTITY_KINDS } from './entity-models.ts'
import { deleteEntities } from './entity-deletion.ts'
import { shareAllDataOf } from './share-all-data.ts'
import { filterToDto } from '../mappers/filter-mapper.ts'
import { subscribe } from '../realtime/subscribe.ts'
import { openEventEntity } from '../realtime/entity-event.ts'
import type { SubscriptionOptions } from '../realtime/subscription-options.ts'
import type { GiveAccessToAllDataOptions, SharingResult } from './sharing-result.ts'

/** Defaults the server-side `newInstance` of the original gave every new patient. */
function withCreationDefaults(p: Patient): Patient {
  const { names, lastName, firstName } = withOfficialName(p)
  return new Patient({
    ...p,
    languages: p.languages ?? [],
    active: p.active ?? true,
    parameters: p.parameters ?? {},
    gender: p.gender ?? 'unknown',
    birthSex: p.birthSex ?? 'unknown',
    deactivationReason: p.deactivationReason ?? 'none',
    personalStatus: p.personalStatus ?? 'unknown',
    names,
    lastName,
    firstName,
  })
}

/** MedTech `PatientApi`: encrypted patients, created, read, modified and shared end to end. */
export class PatientApi {
  /** @internal */
  readonly store: EncryptedEntityStore<Patient>

  constructor(private readonly ctx: ApiContext) {
    this.store = new EncryptedEntityStore(ctx, ENTITY_KINDS.patient)
  }

  /** Creates (no rev) or modifies (rev; stale -> 409) a patient; returns it decrypted. */
  async createOrModifyPatient(patient: Patient): Promise<Patient> {
    const p = patient instanceof Patient ? patient : new Patient(patient)
    const [saved] = p.rev ? await this.store.modify([p]) : await this.store.create([withCreationDefaults(p)])
    if (!saved)
      throw new SdkError(
        'INTERNAL',
        `Could not create / modify patient ${p.id} with user ${this.ctx.user.id}`,
      )
    return saved
  }

  /** A patient the current data owner can decrypt; rejects if it is not shared with it. */
  async getPatient(patientId: string): Promise<Patient> {
    const { model, decrypted } = await this.store.get(patientId)
    if (!decrypted)
      throw new SdkError(
        'DECRYPTION',
        `Could not decrypt patient ${patientId} with current user ${this.ctx.user.id}`,
      )
    return model
  }

  /** The patient decrypted if possible, else as an EncryptedPatient without its encrypted fields. */
  async getPatientAndTryDecrypt(patientId: string): Promise<PotentiallyEncryptedPatient> {
    const { model, decrypted, doc } = await this.store.get(patientId)
    return decrypted ? model : new EncryptedPatient(withoutEncrypted(doc))
  }

  /** Shares the patient with a data owner; no write if already shared; stale rev -> rejects (409). */
  async giveAccessTo(patient: Patient, delegatedTo: string): Promise<Patient> {
    return this.store.share(patient, delegatedTo)
  }

  /** Shares a patient that may not be decryptable by the current data owner (secret ids only then). */
  async giveAccessToPotentiallyEncrypted(
    patient: PotentiallyEncryptedPatient,
    delegatedTo: string,
  ): Promise<PotentiallyEncryptedPatient> {
    if (patient instanceof Patient) return this.giveAccessTo(patient, delegatedTo)
    const { crypto } = requireSelf(this.ctx)
    const doc = await this.store.wireOf(new Patient(patient))
    const shared = await crypto.share('patient', doc, delegatedTo)
    if (!shared) return patient
    const saved = await this.ctx.http.call(ENTITY_ROUTES.patient.modify, { body: shared.doc })
    return new EncryptedPatient(withoutEncrypted(saved))
  }

  /**
   * Deletes a patient the current data owner is a delegate of; returns its id (MedTech). The server
   * keeps a tombstone without content; a patient some user acts as is refused (409) until that user
   * is deleted.
   */
  async deletePatient(patientId: string): Promise<string> {
    const [deleted] = await deleteEntities(this.ctx, 'patient', [patientId])
    if (!deleted?.id) throw new SdkError('INTERNAL', `Could not delete patient ${patientId}`)
    return deleted.id
  }

  /** One page of the patients matching `filter` (MedTech filter objects or the PatientFilter DSL). */
  filterPatients(
    filter: Filter<Patient>,
    nextPatientId?: string,
    limit?: number,
  ): Promise<PaginatedListPatient> {
    return filterEntities(this.store, 'Patient', PaginatedListPatient, filter, nextPatientId, limit)
  }

  /** Ids of every patient matching `filter` that the current data owner may read. */
  matchPatients(filter: Filter<Patient>): Promise<string[]> {
    return matchEntities(this.store, 'Patient', filter)
  }

  /**
   * Shares with the patient itself (data owner `patientId`) its record and every data sample and
   * healthcare element of it that the current data owner can read: MedTech's answer to a patient
   * asking for its existing data (NEW_USER_OWN_DATA_ACCESS). Idempotent: what is already shared is
   * not written again. Entities that cannot be shared are reported in the statuses, not thrown.
   * Cairn extension: `options` (progress callback, batch size). The patient reads everything after
   * `forceReload()` or a rebuild.
   */
  giveAccessToAllDataOf(patientId: string, options?: GiveAccessToAllDataOptions): Promise<SharingResult> {
    return shareAllDataOf(this.ctx, this.store, patientId, options)
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  modifyPotentiallyEncryptedPatient(
    _modifiedPatient: PotentiallyEncryptedPatient,
  ): Promise<PotentiallyEncryptedPatient> {
    return Promise.reject(notAvailable('patientApi.modifyPotentiallyEncryptedPatient'))
  }

  /**
   * Realtime patient events (MedTech §2.11, docs/realtime.md): `eventFired` gets each created,
   * modified (or shared) or deleted patient the current data owner may read and `filter` (the filter
   * objects of {@link filterPatients}; undefined: every one) matches, decrypted and verified as
   * {@link getPatient} does (one it cannot decrypt goes to `onError`), one at a time in order.
   * Resolves once the subscription is live; reconnects after a lost connection and replays what was
   * missed.
   */
  async subscribeToPatientEvents(
    eventTypes: ('CREATE' | 'UPDATE' | 'DELETE')[],
    filter: Filter<Patient> | undefined,
    eventFired: (patient: Patient) => Promise<void>,
    options: SubscriptionOptions = {},
  ): Promise<Connection> {
    requireSelf(this.ctx)
    return subscribe(this.ctx.http, {
      entityType: 'patient',
      eventTypes,
      filter: filter === undefined ? undefined : filterToDto(filter, 'Patient'),
      eventFired,
      options,
      decode: async (event) => {
        const { model, decrypted } = await openEventEntity(this.store, 'patient', event)
        if (!decrypted && event.eventType !== 'DELETE')
          throw new SdkError(
            'DECRYPTION',
            `Could not decrypt patient ${event.id} with current user ${this.ctx.user.id}`,
          )
        return model
      },
    })
  }

  /** Secret ids of the stored patient `patientId` readable by the current data owner. @internal */
  async secretIdsOfId(patientId: string): Promise<string[]> {
    const { crypto } = requireSelf(this.ctx)
    return crypto.secretIdsOf('patient', await this.store.fetch(patientId))
  }

  /** Secret ids of the patient readable by the current data owner (links of its data). @internal */
  async secretIdsOf(patient: PotentiallyEncryptedPatient): Promise<string[]> {
    const { crypto } = requireSelf(this.ctx)
    const doc = await this.store.wireOf(patient instanceof Patient ? patient : new Patient(patient))
    return crypto.secretIdsOf('patient', doc)
  }
}

/** The stored document without the patient's encrypted fields (an EncryptedPatient has none). */
function withoutEncrypted(doc: EncryptedEntityDto): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...doc }
  for (const field of ENTITY_DESCRIPTORS.patient.encryptedFields) delete rest[field]
  return rest
}
