import type { MedTechApi } from '@cairn/sdk'

/**
 * Names of data owners for display (the access log and the inbox name people by id): the current
 * data owner is "you", a healthcare professional by its names, anyone else by a short id. Looked up
 * once per id for the life of the object.
 */
export class DataOwnerNames {
  private readonly cache = new Map<string, Promise<string>>()

  constructor(
    private readonly api: MedTechApi,
    private readonly selfId: string | undefined,
  ) {}

  /** The display name of `id`. */
  nameOf(id: string | undefined): Promise<string> {
    if (!id) return Promise.resolve('the server')
    if (id === this.selfId) return Promise.resolve('You')
    let name = this.cache.get(id)
    if (!name) {
      name = this.api.healthcareProfessionalApi.getHealthcareProfessional(id).then(
        (hcp) => [hcp.firstName, hcp.lastName].filter(Boolean).join(' ') || hcp.name || shortId(id),
        () => shortId(id),
      )
      this.cache.set(id, name)
    }
    return name
  }
}

/** The first characters of an id, enough to tell records apart on screen. */
export function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id
}
