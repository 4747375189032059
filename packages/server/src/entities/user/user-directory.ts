import { MAX_PAGE_SIZE, type UserFilterDto, type UserViewDto } from '@cairn/protocol'
import type { Caller } from '../../auth/caller.ts'
import { userVisibility } from '../../access/access-policy.ts'
import { notFound } from '../../http/app-error.ts'
import type { Storage, UserQuery } from '../../storage/storage.ts'
import { compileUserFilter, withoutDataOwners } from './user-filter.ts'
import { managedUserFor, managedUsersFor } from './user-facts.ts'
import { parseUser } from './user-row.ts'
import { userView } from './user-view.ts'

/** One page of users as the caller sees them, the number of matches in all, and where the next page starts. */
export interface UserViewPage {
  rows: UserViewDto[]
  total: number
  nextId?: string
}

/**
 * Finding users: by email, and by the MedTech user filters. Every answer is restricted to the users
 * the caller may see (access-policy `userVisibility`), each projected to what the caller may see of
 * it, so that neither the rows nor `totalSize` tell anything about the others.
 */
export class UserDirectory {
  constructor(private readonly storage: Storage) {}

  /**
   * The user with this email, only if the caller may see its contact details (the user itself, its
   * managers, admins); otherwise the same 404 as for an email nobody has.
   */
  async getByEmail(caller: Caller, email: string): Promise<UserViewDto> {
    const row = await this.storage.findUserByEmail(email.toLowerCase())
    const user = row && parseUser(row)
    if (
      !row ||
      !user ||
      userVisibility(caller, await managedUserFor(this.storage, caller, row, user)) !== 'full'
    )
      throw notFound(`No user has the email ${email}`)
    return user
  }

  /** One keyset page of the users matching `filter` that the caller may see. */
  async filter(
    caller: Caller,
    filter: UserFilterDto,
    startId: string | undefined,
    limit: number,
  ): Promise<UserViewPage> {
    const query = await this.queryFor(caller, filter)
    if (!query) return { rows: [], total: 0 }
    const { users, total } = await this.storage.findUsersPage(query, startId, limit + 1)
    const rows = (await managedUsersFor(this.storage, caller, users.slice(0, limit))).flatMap(
      ({ user, managed }) => {
        const visibility = userVisibility(caller, managed)
        // queryFor already left out every user the caller may not see at all; this fails closed.
        return visibility === 'none' ? [] : [userView(user, visibility)]
      },
    )
    return users.length > limit ? { rows, total, nextId: users[limit].id } : { rows, total }
  }

  /** Ids of every user matching `filter` that the caller may see, in id order. */
  async match(caller: Caller, filter: UserFilterDto): Promise<string[]> {
    const query = await this.queryFor(caller, filter)
    if (!query) return []
    const ids: string[] = []
    for (let start: string | undefined; ;) {
      const { users } = await this.storage.findUsersPage(query, start, MAX_PAGE_SIZE + 1)
      for (const u of users.slice(0, MAX_PAGE_SIZE)) ids.push(u.id)
      if (users.length <= MAX_PAGE_SIZE) return ids
      start = users[MAX_PAGE_SIZE].id
    }
  }

  /**
   * The storage query of a filter, restricted to the users the caller may see at all: healthcare
   * professionals and admins see every user (the directory fields at least), anyone else only itself.
   * Undefined when nothing can match.
   */
  private async queryFor(caller: Caller, filter: UserFilterDto): Promise<UserQuery | undefined> {
    const { query: compiled, patientIds } = compileUserFilter(filter)
    // Ids are unique across data-owner kinds: a professional's id must not find its user here.
    const notPatients = new Set<string>()
    for (const id of new Set(patientIds)) {
      const patient = await this.storage.getDoc('patient', id)
      if (!patient || patient.deleted) notPatients.add(id)
    }
    const query = notPatients.size > 0 ? withoutDataOwners(compiled, notPatients) : compiled
    if (caller.isAdmin || caller.dataOwnerType === 'HealthcareProfessional') return query
    return { all: [query], ids: [caller.userId] }
  }
}
