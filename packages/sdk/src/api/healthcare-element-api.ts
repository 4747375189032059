import { HealthcareElement, type Patient } from '../models/index.ts'
import { type ApiContext } from './api-context.ts'
import { EncryptedEntityStore, type EntityKind } from './encrypted-entity-store.ts'

const HEALTHCARE_ELEMENT: EntityKind<HealthcareElement> = {
  type: 'healthcareElement',
  encryptedFields: ['description', 'note'],
  fromJson: (json) => new HealthcareElement(json),
}

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
    this.store = new EncryptedEntityStore(ctx, HEALTHCARE_ELEMENT)
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
      throw new Error('In order to create a new healthcare element, you must provide the patientId')
    const [saved] = await this.createOrModifyHealthcareElements([he], patientId)
    if (!saved) throw new Error(`Could not create / modify healthElement ${he.id}`)
    return saved
  }

  /** Creates the elements without rev (patientId required) then modifies those with one; created first. */
  async createOrModifyHealthcareElements(
    healthcareElements: HealthcareElement[],
    patientId?: string,
  ): Promise<HealthcareElement[]> {
    const all = healthcareElements.map((h) => (h instanceof HealthcareElement ? h : new HealthcareElement(h)))
    const toCreate = all.filter((h) => !h.rev)
    const toModify = all.filter((h) => h.rev)
    let created: HealthcareElement[] = []
    if (toCreate.length > 0) {
      if (!patientId)
        throw new Error(
          'Error while creating: patientId should be provided to create new healthcare elements',
        )
      const [secretId] = await this.patients.secretIdsOfId(patientId)
      if (!secretId) {
        throw new Error(
          `Data owner ${this.ctx.selfId} cannot link data to patient ${patientId}: none of its secret ids is shared with it`,
        )
      }
      const prepared = toCreate.map((h) => {
        const id = h.id ?? globalThis.crypto.randomUUID()
        return new HealthcareElement({ ...h, id, healthcareElementId: h.healthcareElementId ?? id })
      })
      created = await this.store.create(prepared, { patientId, secretId })
    }
    const modified = toModify.length > 0 ? await this.store.modify(toModify) : []
    return [...created, ...modified]
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
    return this.store.forPatientSecretIds(
      'HealthcareElementByHealthcarePartyPatientFilter',
      await this.patients.secretIdsOf(patient),
    )
  }
}
