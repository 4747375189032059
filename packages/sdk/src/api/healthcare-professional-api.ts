import type { DataOwnerDocDto } from '@cairn/protocol'
import { HealthcareProfessional } from '../models/index.ts'
import { withOfficialName } from '../mappers/official-name.ts'
import { forceUuid } from '../mappers/wire.ts'
import type { ApiContext } from './api-context.ts'

/** Completes names as the original did (an official PersonName, and `name` from it). */
function completeNames(hcp: HealthcareProfessional): HealthcareProfessional {
  const { names, lastName, firstName, official } = withOfficialName({ ...hcp, text: hcp.name })
  return new HealthcareProfessional({ ...hcp, names, lastName, firstName, name: hcp.name ?? official?.text })
}

/** MedTech `HealthcareProfessionalApi` (healthcare professionals are not encrypted). */
export class HealthcareProfessionalApi {
  constructor(private readonly ctx: ApiContext) {}

  /** Creates (no rev) or modifies (rev; stale -> 409) a healthcare professional. */
  async createOrModifyHealthcareProfessional(
    healthcareProfessional: HealthcareProfessional,
  ): Promise<HealthcareProfessional> {
    const hcp = completeNames(
      healthcareProfessional instanceof HealthcareProfessional
        ? healthcareProfessional
        : new HealthcareProfessional(healthcareProfessional),
    )
    const body = { ...(hcp.marshal() as Record<string, unknown>), id: forceUuid(hcp.id) }
    const saved = hcp.rev
      ? await this.ctx.http.put<DataOwnerDocDto>('/hcparty', body)
      : await this.ctx.http.post<DataOwnerDocDto>('/hcparty', body)
    return new HealthcareProfessional(saved)
  }

  /** A healthcare professional by id. */
  async getHealthcareProfessional(hcpId: string): Promise<HealthcareProfessional> {
    return new HealthcareProfessional(
      await this.ctx.http.get<DataOwnerDocDto>(`/hcparty/${encodeURIComponent(hcpId)}`),
    )
  }
}
