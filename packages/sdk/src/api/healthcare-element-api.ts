import {
  HealthcareElement,
  type Connection,
  PaginatedListHealthcareElement,
  type Patient,
} from '../models/index.ts'
import { SdkError } from '../http/sdk-error.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import type { Filter } from '../filter/filter.ts'
import { filterEntities, matchEntities } from './search.ts'
import { EncryptedEntityStore } from './encrypted-entity-store.ts'
import { linkedTo } from './linked-to.ts'
import { ENTITY_KINDS } from './entity-models.ts'
import { deleteEntities } from './entity-deletion.ts'
import { filterToDto } from '../mappers/filter-mapper.ts'
import { subscribe } from '../realtime/subscribe.ts'
import { openEventEntity } from '../realtime/entity-event.ts'
import type { SubscriptionOptions } from '../realtime/subscription-options.ts'

/** MedTech `HealthcareElementApi`: encrypted healthcare elements linked to a patient. */
export class HealthcareElementApi {
  private readonly store: EncryptedEntityStore<HealthcareElement>

  constructor(
    private readonly ctx: ApiContext,
    private readonly patients: {
      secretIdsOfId(patientId: string): Promise<string[]>
      secretIdsOf(p: Patient): Promise<string[]>
    },
  ) {
    this.store = new EncryptedEntityStore(ctx, ENTITY_KINDS.healthcareElement)
  }

  /** Creates (no rev, patientId required) or modifies (rev) a healthcare element. */
  async createOrModifyHealthcareElement(
    healthcareElement: HealthcareElement,
    patientId?: string,
  ): Promise<HealthcareElement> {
    const he =
      healthcareElement instanceof HealthcareElement
        ? healthcareElement
        : new HealthcareElement(healthcareElement)
    if (!he.rev && !patientId)
      throw new SdkError(
        'BAD_REQUEST',
        'In order to create a new healthcare element, you must provide the patientId',
      )
    const [saved] = await this.createOrModifyHealthcareElements([he], patientId)
    if (!saved) throw new SdkError('INTERNAL', `Could not create / modify healthElement ${he.id}`)
    return saved
  }

  /**
   * Modifies the elements with a rev, then creates those without (patientId required); results come
   * in the order given. Modifications go first so that a stale rev (409) rejects before anything new
   * is saved.
   */
  async createOrModifyHealthcareElements(
    healthcareElements: HealthcareElement[],
    patientId?: string,
  ): Promise<HealthcareElement[]> {
    const all = healthcareElements.map((h) => (h instanceof HealthcareElement ? h : new HealthcareElement(h)))
    const toCreate = all.filter((h) => !h.rev)
    const toModify = all.filter((h) => h.rev)
    // Everything that can refuse the creation is checked before the modifications are saved.
    let secretId: string | undefined
    if (toCreate.length > 0) {
      if (!patientId)
        throw new SdkError(
          'BAD_REQUEST',
          'Error while creating: patientId should be provided to create new healthcare elements',
        )
      ;[secretId] = await this.patients.secretIdsOfId(patientId)
      if (!secretId) {
        throw new SdkError(
          'FORBIDDEN',
          `Data owner ${this.ctx.selfId} cannot link data to patient ${patientId}: none of its secret ids is shared with it`,
        )
      }
    }
    const modified = toModify.length > 0 ? await this.store.modify(toModify) : []
    let created: HealthcareElement[] = []
    if (patientId && secretId) {
      const prepared = toCreate.map((h) => {
        const id = h.id ?? globalThis.crypto.randomUUID()
        return new HealthcareElement({ ...h, id, healthcareElementId: h.healthcareElementId ?? id })
      })
      created = await this.store.create(prepared, { patientId, secretId })
    }
    return all.map((h) => (h.rev ? modified[toModify.indexOf(h)] : created[toCreate.indexOf(h)]))
  }

  /** A healthcare element shared with the current data owner (rejects otherwise). */
  async getHealthcareElement(id: string): Promise<HealthcareElement> {
    return (await this.store.get(id)).model
  }

  /** Shares the element; no write if already shared; stale rev -> rejects (409). */
  async giveAccessTo(healthcareElement: HealthcareElement, delegatedTo: string): Promise<HealthcareElement> {
    return this.store.share(healthcareElement, delegatedTo)
  }

  /** Every element of the patient shared with the current data owner (all pages). */
  async getHealthcareElementsForPatient(patient: Patient): Promise<HealthcareElement[]> {
    const { selfId } = requireSelf(this.ctx)
    const secretIds = await this.patients.secretIdsOf(patient)
    if (secretIds.length === 0) return []
    return this.store.all(
      {
        $type: 'HealthcareElementByHealthcarePartyPatientFilter',
        healthcarePartyId: selfId,
        patientSecretForeignKeys: secretIds,
      },
      linkedTo(requireSelf(this.ctx).crypto, 'healthcareElement', patient.id!, secretIds),
    )
  }

  /** Deletes an element the current data owner is a delegate of; returns the rev of the deletion (MedTech). */
  async deleteHealthcareElement(id: string): Promise<string> {
    const [deleted] = await deleteEntities(this.ctx, 'healthcareElement', [id])
    if (!deleted?.rev)
      throw new SdkError('INTERNAL', `An error occurred when deleting this HealthcareElement. Id: ${id}`)
    return deleted.rev
  }

  /** One page of the healthcare elements matching `filter` (filter objects or the HealthcareElementFilter DSL). */
  filterHealthcareElement(
    filter: Filter<HealthcareElement>,
    nextHealthElementId?: string,
    limit?: number,
  ): Promise<PaginatedListHealthcareElement> {
    return filterEntities(
      this.store,
      'HealthcareElement',
      PaginatedListHealthcareElement,
      filter,
      nextHealthElementId,
      limit,
    )
  }

  /** Ids of every healthcare element matching `filter` that the current data owner may read. */
  matchHealthcareElement(filter: Filter<HealthcareElement>): Promise<string[]> {
    return matchEntities(this.store, 'HealthcareElement', filter)
  }

  /**
   * Realtime healthcare-element events (MedTech §2.11, docs/realtime.md): `eventFired` gets each
   * created, modified (or shared) or deleted element the current data owner may read and `filter`
   * (the filter objects of {@link filterHealthcareElement}; undefined: every one) matches, opened as
   * {@link getHealthcareElement} opens it, one at a time in order. Resolves once the subscription is
   * live; reconnects after a lost connection and replays what was missed.
   */
  async subscribeToHealthcareElementEvents(
    eventTypes: ('CREATE' | 'UPDATE' | 'DELETE')[],
    filter: Filter<HealthcareElement> | undefined,
    eventFired: (healthcareElement: HealthcareElement) => Promise<void>,
    options: SubscriptionOptions = {},
  ): Promise<Connection> {
    requireSelf(this.ctx)
    return subscribe(this.ctx.http, {
      entityType: 'healthcareElement',
      eventTypes,
      filter: filter === undefined ? undefined : filterToDto(filter, 'HealthcareElement'),
      eventFired,
      options,
      decode: async (event) => (await openEventEntity(this.store, 'healthcareElement', event)).model,
    })
  }
}
