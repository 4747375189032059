import { ROUTES } from '@cairn/protocol'
import { HealthcareProfessional, PaginatedListHealthcareProfessional } from '../models/index.ts'
import { withOfficialName } from '../mappers/official-name.ts'
import { forceUuid } from '../mappers/wire.ts'
import { SdkError } from '../http/sdk-error.ts'
import type { ApiContext } from './api-context.ts'
import type { Filter } from '../filter/filter.ts'
import { filterDirectory, matchDirectory } from './search.ts'
import { forgetDataOwner } from './forget-data-owner.ts'

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

  /**
   * Deletes a healthcare professional (admins and the professional that created its record); returns
   * the rev of the deletion (MedTech). A professional some user acts as is refused (409) until that
   * user is deleted. Its public keys stay readable through `dataOwnerApi.getDataOwner`.
   */
  async deleteHealthcareProfessional(hcpId: string): Promise<string> {
    const deleted = await this.ctx.http.call(ROUTES.healthcareProfessional.delete, { params: { id: hcpId } })
    forgetDataOwner(this.ctx, hcpId)
    if (!deleted?.rev) throw new SdkError('INTERNAL', `Could not delete healthcare professional ${hcpId}`)
    return deleted.rev
  }

  /** One page of the professionals matching `filter` (by name, label or code, ids, or all). */
  filterHealthcareProfessionalBy(
    filter: Filter<HealthcareProfessional>,
    nextHcpId?: string,
    limit?: number,
  ): Promise<PaginatedListHealthcareProfessional> {
    return filterDirectory(
      this.ctx,
      'healthcareProfessional',
      HealthcareProfessional,
      PaginatedListHealthcareProfessional,
      filter,
      nextHcpId,
      limit,
    )
  }

  /** Ids of every professional matching `filter`. */
  matchHealthcareProfessionalBy(filter: Filter<HealthcareProfessional>): Promise<string[]> {
    return matchDirectory(this.ctx, 'healthcareProfessional', filter)
  }
}
