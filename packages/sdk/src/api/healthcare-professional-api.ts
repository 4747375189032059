import type { DataOwnerDocDto } from '@cairn/protocol'
import { HealthcareProfessional, PersonName } from '../models/index.ts'
import { forceUuid } from '../mappers/wire.ts'
import type { ApiContext } from './api-context.ts'

/** Completes names as the original did: an official PersonName from last/first name, and back. */
function completeNames(hcp: HealthcareProfessional): HealthcareProfessional {
  const names = [...hcp.names]
  if ((hcp.lastName || hcp.name) && !names.some((n) => n.use === 'official')) {
    names.push(
      new PersonName({
        lastName: hcp.lastName,
        firstNames: hcp.firstName ? [hcp.firstName] : [],
        prefix: [],
        suffix: [],
        text: hcp.name ?? [hcp.lastName, hcp.firstName].filter(Boolean).join(' '),
        use: 'official',
      }),
    )
  }
  const official = names.find((n) => n.use === 'official')
  return new HealthcareProfessional({
    ...hcp,
    names,
    lastName: hcp.lastName ?? official?.lastName,
    firstName: hcp.firstName ?? official?.firstNames?.[0],
    name: hcp.name ?? official?.text,
  })
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
