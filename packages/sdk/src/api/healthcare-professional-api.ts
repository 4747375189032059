import { ROUTES } from '@cairn/protocol'
import { HealthcareProfessional, type PaginatedListHealthcareProfessional } from '../models/index.ts'
import { withOfficialName } from '../mappers/official-name.ts'
import { forceUuid } from '../mappers/wire.ts'
import { notAvailable } from '../http/sdk-error.ts'
import type { ApiContext } from './api-context.ts'

/** Completes names as the original did (an official PersonName, and `name` from it). */
export function completeNames(hcp: HealthcareProfessional): HealthcareProfessional {
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
    const routes = ROUTES.healthcareProfessional
    return new HealthcareProfessional(
      await this.ctx.http.call(hcp.rev ? routes.modify : routes.create, { body }),
    )
  }

  /** A healthcare professional by id. */
  async getHealthcareProfessional(hcpId: string): Promise<HealthcareProfessional> {
    return new HealthcareProfessional(
      await this.ctx.http.call(ROUTES.healthcareProfessional.get, { params: { id: hcpId } }),
    )
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  deleteHealthcareProfessional(_hcpId: string): Promise<string> {
    return Promise.reject(notAvailable('healthcareProfessionalApi.deleteHealthcareProfessional'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  filterHealthcareProfessionalBy(
    _filter: unknown,
    _nextHcpId?: string,
    _limit?: number,
  ): Promise<PaginatedListHealthcareProfessional> {
    return Promise.reject(notAvailable('healthcareProfessionalApi.filterHealthcareProfessionalBy'))
  }

  /** Not available yet in Cairn (docs/compatibility.md). */
  matchHealthcareProfessionalBy(_filter: unknown): Promise<string[]> {
    return Promise.reject(notAvailable('healthcareProfessionalApi.matchHealthcareProfessionalBy'))
  }
}
