import type { EncryptedEntityDto } from '@cairn/protocol'
import { EncryptedPatient, Patient, type PotentiallyEncryptedPatient } from '../models/index.ts'
import { withOfficialName } from '../mappers/official-name.ts'
import { requireSelf, type ApiContext } from './api-context.ts'
import { EncryptedEntityStore, type EntityKind } from './encrypted-entity-store.ts'

const PATIENT: EntityKind<Patient> = {
  type: 'patient',
  encryptedFields: ['note', 'administrativeNote'],
  fromJson: (json) => new Patient(json),
}

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
    this.store = new EncryptedEntityStore(ctx, PATIENT)
  }

  /** Creates (no rev) or modifies (rev; stale -> 409) a patient; returns it decrypted. */
  async createOrModifyPatient(patient: Patient): Promise<Patient> {
    const p = patient instanceof Patient ? patient : new Patient(patient)
    const [saved] = p.rev ? await this.store.modify([p]) : await this.store.create([withCreationDefaults(p)])
    if (!saved) throw new Error(`Could not create / modify patient ${p.id} with user ${this.ctx.user.id}`)
    return saved
  }

  /** A patient the current data owner can decrypt; rejects if it is not shared with it. */
  async getPatient(patientId: string): Promise<Patient> {
    const { model, decrypted } = await this.store.get(patientId)
    if (!decrypted)
      throw new Error(`Could not decrypt patient ${patientId} with current user ${this.ctx.user.id}`)
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
    const saved = await this.ctx.http.put<EncryptedEntityDto>('/patient', shared.doc)
    return new EncryptedPatient(withoutEncrypted(saved))
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

function withoutEncrypted(doc: EncryptedEntityDto): Record<string, unknown> {
  const { note: _n, administrativeNote: _a, ...rest } = doc as Record<string, unknown>
  return rest
}
